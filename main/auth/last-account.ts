/**
 * Non-secret pointer to the last signed-in account (for personal-mode restore): `sub`, user name,
 * and which pool/client it belongs to. The refresh token itself stays in the keychain.
 */
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, removeFile, writeJsonFile } from '../lib';

export const LAST_ACCOUNT_FILE = 'last-account.json';

const LastAccountSchema = z.strictObject({
  version: z.literal(1),
  sub: z.string().min(1).max(256),
  username: z.string().max(256),
  issuer: z.string(),
  clientId: z.string(),
  savedAt: z.number(),
});

export type LastAccount = z.output<typeof LastAccountSchema>;

export class LastAccountPointer {
  readonly file: string;

  constructor(cacheDir: string, private readonly issuer: string, private readonly clientId: string) {
    this.file = path.join(cacheDir, LAST_ACCOUNT_FILE);
  }

  /** The last account of this pool and client, if any. */
  async read(): Promise<LastAccount | undefined> {
    const value = await readJsonFile(this.file, LastAccountSchema);
    return value && value.issuer === this.issuer && value.clientId === this.clientId ? value : undefined;
  }

  write(account: { sub: string; username: string }, now: number): Promise<void> {
    return writeJsonFile(this.file, { version: 1, sub: account.sub, username: account.username, issuer: this.issuer, clientId: this.clientId, savedAt: now });
  }

  clear(): Promise<void> {
    return removeFile(this.file);
  }
}
