/**
 * Shift-change herd model: N terminals whose nurses sign in inside a window and stay for a shift, each with
 * its OWN real credentials provider (main/identity-pool `createCredentialsProvider`, so the real refresh-ahead margin,
 * per-process jitter and ID-token skew rules apply) on one simulated ManualClock. The identity pool and the
 * token endpoint are replaced by counters (fake `client.send` and ID-token source), so nothing waits in real
 * time: a 12 h shift of 300 terminals runs in a few seconds.
 *
 * Demand model: every terminal asks for credentials at sign-in and then every `pollMs` (the renderer or an AWS
 * SDK client asking for credentials). Token requests: one authorization-code exchange at sign-in, and one
 * refresh each time the provider needs a fresh ID token (ID tokens live `idTokenLifetimeMs`).
 */
import type { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { ManualClock } from '../main/clock';
import { ConfigSchema, type Config } from '../main/config/schema';
import { createCredentialsProvider, type CredentialsProvider } from '../main/identity-pool';
import type { IdToken } from '../main/identity-pool';
import { seededRandom } from './lib';

export interface HerdOptions {
  terminals: number;
  /** Sign-ins are spread uniformly over [windowStart, windowStart + windowMs). */
  windowMs: number;
  shiftMs: number;
  pollMs: number;
  /** false: the providers run with `jitterMs: 0`. */
  jitter: boolean;
  seed: number;
  credentialsLifetimeMs?: number;
  idTokenLifetimeMs?: number;
}

export interface HerdResult {
  totals: Record<'token' | 'GetId' | 'GetCredentialsForIdentity', number>;
  /** Highest number of requests in any one-second bucket over the whole shift. */
  peak: Record<'token' | 'GetId' | 'GetCredentialsForIdentity', number>;
  /** Same, counting only requests after the sign-in window (the refresh-ahead traffic). */
  peakAfterWindow: Record<'token' | 'GetId' | 'GetCredentialsForIdentity', number>;
  jitterMsRange: [number, number];
}

type Op = 'token' | 'GetId' | 'GetCredentialsForIdentity';

const HERD_CONFIG: Config = ConfigSchema.parse({
  userPool: { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Herd00001', clientId: 'herdclient', domain: 'https://herd.auth.us-east-1.amazoncognito.com' },
  identityPool: { id: 'us-east-1:00000000-0000-4000-8000-000000000001', region: 'us-east-1' },
  redirectUri: 'app.scrubin:/callback',
  logoutUri: 'app.scrubin:/signed-out',
});

export async function simulateHerd(options: HerdOptions, cacheDirFor: (i: number) => string): Promise<HerdResult> {
  const start = Date.UTC(2026, 0, 5, 6, 55, 0);
  const clock = new ManualClock(start);
  const random = seededRandom(options.seed);
  const credsLife = options.credentialsLifetimeMs ?? 3_600_000;
  const idLife = options.idTokenLifetimeMs ?? 3_600_000;
  const log: { op: Op; at: number }[] = [];
  const count = (op: Op) => log.push({ op, at: clock.now() });

  interface Terminal {
    provider: CredentialsProvider;
    signInAt: number;
  }
  const terminals: Terminal[] = [];
  for (let i = 0; i < options.terminals; i += 1) {
    const sub = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    let token: IdToken | null = null;
    const idTokens = {
      current: () => token,
      refresh: () => {
        count('token');
        token = { sub, idToken: 'header.e30.sig', expiresAt: clock.now() + idLife };
        return Promise.resolve(token);
      },
    };
    const identityId = `us-east-1:00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
    const client: Pick<CognitoIdentityClient, 'send'> = {
      send: (command: { constructor: { name: string } }) => {
        const op = command.constructor.name === 'GetIdCommand' ? 'GetId' : 'GetCredentialsForIdentity';
        count(op);
        if (op === 'GetId') return Promise.resolve({ IdentityId: identityId });
        return Promise.resolve({
          IdentityId: identityId,
          Credentials: { AccessKeyId: 'AKIAHERD', SecretKey: 'herd', SessionToken: 'herd', Expiration: new Date(clock.now() + credsLife) },
        });
      },
    };
    const providerRandom = seededRandom(options.seed * 7919 + i);
    const provider = createCredentialsProvider({
      config: HERD_CONFIG,
      idTokens,
      cacheDir: cacheDirFor(i),
      gate: () => (token ? 'open' : 'signed-out'),
      clock,
      random: providerRandom,
      client,
      ...(options.jitter ? {} : { jitterMs: 0 }),
    });
    const signInAt = start + Math.floor(random() * options.windowMs);
    terminals.push({ provider, signInAt });
    // Sign-in: the authorization-code exchange (one token request) happens at signInAt.
    const t = terminals[terminals.length - 1] as Terminal;
    Object.assign(t, {
      signIn: () => {
        count('token');
        token = { sub, idToken: 'header.e30.sig', expiresAt: clock.now() + idLife };
      },
    });
  }

  // Event list: each terminal signs in, then polls every pollMs until the end of its shift.
  const events: { at: number; terminal: number; kind: 'sign-in' | 'poll' }[] = [];
  terminals.forEach((t, i) => {
    events.push({ at: t.signInAt, terminal: i, kind: 'sign-in' });
    for (let at = t.signInAt; at < t.signInAt + options.shiftMs; at += options.pollMs) events.push({ at, terminal: i, kind: 'poll' });
  });
  events.sort((a, b) => a.at - b.at || (a.kind === 'sign-in' ? -1 : 1));
  for (const e of events) {
    if (e.at > clock.now()) clock.advance(e.at - clock.now());
    const t = terminals[e.terminal] as Terminal & { signIn: () => void };
    if (e.kind === 'sign-in') t.signIn();
    else await t.provider.getCredentials();
  }
  const jitters = terminals.map((t) => t.provider.jitterMs);
  for (const t of terminals) t.provider.close();

  const windowEnd = start + options.windowMs;
  const peakOf = (filter: (at: number) => boolean): Record<Op, number> => {
    const buckets = new Map<string, number>();
    for (const r of log) if (filter(r.at)) {
      const key = `${r.op}:${String(Math.floor(r.at / 1000))}`;
      buckets.set(key, (buckets.get(key) ?? 0) + 1);
    }
    const peak: Record<Op, number> = { token: 0, GetId: 0, GetCredentialsForIdentity: 0 };
    for (const [key, n] of buckets) {
      const op = key.split(':')[0] as Op;
      peak[op] = Math.max(peak[op], n);
    }
    return peak;
  };
  const totals: Record<Op, number> = { token: 0, GetId: 0, GetCredentialsForIdentity: 0 };
  for (const r of log) totals[r.op] += 1;
  return {
    totals,
    peak: peakOf(() => true),
    peakAfterWindow: peakOf((at) => at >= windowEnd),
    jitterMsRange: [Math.min(...jitters), Math.max(...jitters)],
  };
}
