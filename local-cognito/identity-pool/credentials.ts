/**
 * Temporary AWS credentials in the shape the enhanced flow returns (1 hour, fixed), random and
 * unique per call, remembered by access key id so a local AWS front can check SigV4 requests.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { IssuedCredentials } from './types';

const LIFETIME_MS = 3600_000;
/** Records are kept this long after expiry (for "expired token" answers), then dropped. */
const RETAIN_AFTER_EXPIRY_MS = 24 * 3600_000;
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const pick = (alphabet: string, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet.charAt(randomInt(alphabet.length));
  return s;
};

export class CredentialIssuer {
  private readonly issued = new Map<string, IssuedCredentials>();

  constructor(private readonly now: () => number) {}

  issue(identityId: string, roleArn: string, authenticated: boolean): IssuedCredentials {
    this.prune();
    let accessKeyId: string;
    do accessKeyId = `ASIA${pick(UPPER_ALNUM, 16)}`;
    while (this.issued.has(accessKeyId));
    const record: IssuedCredentials = {
      identityId,
      roleArn,
      authenticated,
      accessKeyId,
      secretAccessKey: pick(SECRET_CHARS, 40),
      sessionToken: randomBytes(384).toString('base64'),
      expiresAt: Math.floor(this.now() / 1000) * 1000 + LIFETIME_MS,
    };
    this.issued.set(accessKeyId, record);
    return record;
  }

  describe(accessKeyId: string): IssuedCredentials | undefined {
    const found = this.issued.get(accessKeyId);
    return found ? { ...found } : undefined;
  }

  private prune(): void {
    const cutoff = this.now() - RETAIN_AFTER_EXPIRY_MS;
    for (const [key, record] of this.issued) if (record.expiresAt < cutoff) this.issued.delete(key);
  }
}
