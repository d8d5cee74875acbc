/**
 * The credentials provider against a scripted SDK client (real SDK commands and exception classes, no
 * network): caching, margin + jitter, coalescing, gate, role checks, failure mapping, linking.
 * The same behaviour against local-cognito through the real SDK is in tests/integration/aws-credentials.test.ts.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  InternalErrorException,
  InvalidIdentityPoolConfigurationException,
  NotAuthorizedException,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { ConfigSchema, type Config } from '../../main/config/schema';
import type { ScrubInError } from '../../main/errors';
import {
  createCredentialsProvider,
  type CredentialsEvent,
  type CredentialsProviderOptions,
  type GateState,
  type IdToken,
} from '../../main/identity-pool';
import { rejection } from '../support/errors';

const POOL_ID = 'us-east-1:7c1a9e4e-5c1b-4f3e-9a55-0d1c0ffee001';
const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123';
const LOGINS_KEY = 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123';
const NURSES = 'arn:aws:iam::000000000000:role/ScrubIn-Nurses';
const CHARGE = 'arn:aws:iam::000000000000:role/ScrubIn-ChargeNurses';
const OTHER = 'arn:aws:iam::000000000000:role/ScrubIn-ItAdmins';
const HOUR = 3600_000;
const MIN = 60_000;

function config(identityPool: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({
    userPool: { issuer: ISSUER, clientId: 'client1', domain: 'https://or.auth.us-east-1.amazoncognito.com' },
    identityPool: { id: POOL_ID, region: 'us-east-1', allowGuest: true, ...identityPool },
    redirectUri: 'app.scrubin:/callback',
    logoutUri: 'app.scrubin:/logout',
  });
}

const SECRET_PREFIX = 'SECRETVALUE';

function jwt(payload: Record<string, unknown>): string {
  return `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2lnbmF0dXJl${SECRET_PREFIX}`;
}

type Op = 'GetId' | 'GetCredentialsForIdentity';
interface Call {
  op: Op;
  input: Record<string, unknown>;
}

/** A scripted identity pool: identities per login sub, guests, linking; `script` can override answers. */
class FakePool {
  calls: Call[] = [];
  /** Queued behaviours: a function returning an error to throw (or undefined to answer normally). */
  faults: Partial<Record<Op, Array<() => Error | undefined>>> = {};
  /** Calls that wait until released (to hold a request in flight). */
  hold: Promise<void> | undefined;
  private n = 0;
  readonly bySub = new Map<string, string>();
  readonly guests = new Set<string>();
  readonly deleted = new Set<string>();
  constructor(private readonly clock: ManualClock) {}

  newId(): string {
    this.n += 1;
    return `us-east-1:00000000-0000-4000-8000-${String(this.n).padStart(12, '0')}`;
  }

  fail(op: Op, count: number, make: () => Error): void {
    const list = (this.faults[op] ??= []);
    for (let i = 0; i < count; i++) list.push(make);
  }

  readonly client = {
    send: async (command: unknown): Promise<unknown> => {
      const op: Op = command instanceof GetIdCommand ? 'GetId' : 'GetCredentialsForIdentity';
      if (!(command instanceof GetIdCommand) && !(command instanceof GetCredentialsForIdentityCommand)) throw new Error('unexpected command');
      const input = { ...(command.input as unknown as Record<string, unknown>) };
      this.calls.push({ op, input });
      if (this.hold) await this.hold;
      const fault = this.faults[op]?.shift()?.();
      if (fault) throw fault;
      const logins = input.Logins as Record<string, string> | undefined;
      const sub = logins?.[LOGINS_KEY] ? (JSON.parse(Buffer.from(logins[LOGINS_KEY].split('.')[1]!, 'base64url').toString()) as { sub: string }).sub : undefined;
      if (op === 'GetId') {
        if (!sub) {
          const id = this.newId();
          this.guests.add(id);
          return { IdentityId: id };
        }
        let id = this.bySub.get(sub);
        if (!id) this.bySub.set(sub, (id = this.newId()));
        return { IdentityId: id };
      }
      let id = input.IdentityId as string;
      if (this.deleted.has(id)) throw new ResourceNotFoundException({ message: `Identity '${id}' not found.`, $metadata: { httpStatusCode: 400 } });
      if (sub && this.guests.has(id)) {
        this.guests.delete(id);
        const owner = this.bySub.get(sub);
        if (owner) id = owner; // merge into the existing identity
        else this.bySub.set(sub, id); // link
      }
      return {
        IdentityId: id,
        Credentials: {
          AccessKeyId: `ASIA${this.calls.length}`,
          SecretKey: `${SECRET_PREFIX}-secret-${this.calls.length}`,
          SessionToken: `${SECRET_PREFIX}-session-${this.calls.length}`,
          Expiration: new Date(Math.floor(this.clock.now() / 1000) * 1000 + HOUR),
        },
      };
    },
  };

  count(op: Op): number {
    return this.calls.filter((c) => c.op === op).length;
  }
}

class Tokens {
  current_: IdToken | null = null;
  refreshes = 0;
  roles: string[] = [NURSES];
  preferred: string | undefined = NURSES;
  refreshError: Error | undefined;
  constructor(private readonly clock: ManualClock) {}
  signIn(sub: string, lifetimeMs = HOUR): void {
    this.current_ = this.mint(sub, lifetimeMs);
  }
  mint(sub: string, lifetimeMs = HOUR): IdToken {
    const exp = this.clock.now() + lifetimeMs;
    const payload: Record<string, unknown> = { sub, exp: Math.floor(exp / 1000), 'cognito:roles': this.roles, n: this.refreshes };
    if (this.preferred) payload['cognito:preferred_role'] = this.preferred;
    return { sub, idToken: jwt(payload), expiresAt: exp };
  }
  readonly source = {
    current: () => this.current_,
    refresh: (): Promise<IdToken> => {
      this.refreshes += 1;
      if (this.refreshError) return Promise.reject(this.refreshError);
      if (!this.current_) return Promise.reject(new Error('nobody signed in'));
      this.current_ = this.mint(this.current_.sub);
      return Promise.resolve(this.current_);
    },
  };
}

let clock: ManualClock;
let pool: FakePool;
let tokens: Tokens;
let gate: GateState;
let events: CredentialsEvent[];
let cacheDir: string;
let sleeps: number[];

beforeEach(async () => {
  clock = new ManualClock();
  pool = new FakePool(clock);
  tokens = new Tokens(clock);
  gate = 'open';
  events = [];
  sleeps = [];
  cacheDir = await mkdtemp(join(tmpdir(), 'scrubin-aws-unit-'));
});

function provider(overrides: Partial<CredentialsProviderOptions> = {}) {
  return createCredentialsProvider({
    config: config(),
    idTokens: tokens.source,
    cacheDir,
    gate: () => gate,
    clock,
    random: () => 0.5,
    jitterMs: 2 * MIN,
    client: pool.client,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    onEvent: (e) => events.push(e),
    ...overrides,
  });
}

/** Holds the pool's answers, starts `request`, locks the terminal while it is in flight, then lets the answers go. */
async function lockedWhileInFlight(request: () => Promise<unknown>): Promise<string> {
  let release!: () => void;
  pool.hold = new Promise((r) => (release = r));
  const pending = request();
  await new Promise((r) => setImmediate(r));
  gate = 'locked';
  release();
  pool.hold = undefined;
  return (await rejection(pending)).code;
}

function expectNoSecrets(error: ScrubInError): void {
  const text = `${error.message} ${error.detail ?? ''} ${error.userMessage} ${JSON.stringify(events)}`;
  expect(text).not.toContain(SECRET_PREFIX);
  expect(text).not.toContain('eyJ');
}

/** Throttling answers for the next `count` calls of `op`. */
function throttle(op: Op, count: number): void {
  pool.fail(op, count, () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
}

/** 5xx answers for the next `count` calls of GetCredentialsForIdentity. */
function serverErrors(count: number): void {
  pool.fail('GetCredentialsForIdentity', count, () => new InternalErrorException({ message: 'boom', $metadata: { httpStatusCode: 500 } }));
}

describe('credentials for a signed-in user', () => {
  it('a user new to the terminal costs GetId then GetCredentialsForIdentity, both with the Logins key', async () => {
    tokens.signIn('sub-nurse');
    await provider().getCredentials();
    expect(pool.calls.map((c) => c.op)).toEqual(['GetId', 'GetCredentialsForIdentity']);
    expect(pool.calls[0]!.input).toEqual({ IdentityPoolId: POOL_ID, Logins: { [LOGINS_KEY]: tokens.current_!.idToken } });
    expect(pool.calls[1]!.input).toEqual({ IdentityId: pool.bySub.get('sub-nurse'), Logins: { [LOGINS_KEY]: tokens.current_!.idToken } });
  });

  it('the credentials name the identity, the preferred role and the expiry of the answer', async () => {
    tokens.signIn('sub-nurse');
    const creds = await provider().getCredentials();
    expect(creds).toMatchObject({ identityId: pool.bySub.get('sub-nurse'), roleArn: NURSES, accessKeyId: 'ASIA2' });
    expect(creds.expiration).toBe(clock.now() + HOUR);
  });

  it('a second call is served from the cache, without a request', async () => {
    tokens.signIn('sub-nurse');
    const p = provider();
    const creds = await p.getCredentials();
    expect(await p.getCredentials()).toEqual(creds);
    expect(pool.calls).toHaveLength(2);
  });

  it('refreshes at Expiration - margin - the per-process jitter, not a millisecond earlier', async () => {
    tokens.signIn('sub-nurse', 3 * HOUR);
    const p = provider({ marginMs: 5 * MIN, jitterMs: 2 * MIN, random: () => 0.5 });
    expect(p.jitterMs).toBe(MIN);
    await p.getCredentials();
    clock.advance(HOUR - 6 * MIN - 1); // just before expiration - 5 min - 1 min jitter
    await p.getCredentials();
    expect(pool.count('GetCredentialsForIdentity')).toBe(1);
    clock.advance(1);
    await p.getCredentials();
    expect(pool.count('GetCredentialsForIdentity')).toBe(2);
  });

  it('concurrent calls at the refresh point share one GetCredentialsForIdentity and need no new GetId', async () => {
    tokens.signIn('sub-nurse', 3 * HOUR);
    const p = provider({ marginMs: 5 * MIN, jitterMs: 2 * MIN, random: () => 0.5 });
    await p.getCredentials();
    clock.advance(HOUR - 6 * MIN);
    const fresh = await Promise.all([p.getCredentials(), p.getCredentials(), p.getCredentials()]);
    expect(pool.count('GetCredentialsForIdentity')).toBe(2);
    expect(pool.count('GetId')).toBe(1);
    expect(new Set(fresh.map((c) => c.accessKeyId)).size).toBe(1);
  });

  it('draws the jitter once per process from random', () => {
    expect(provider({ random: () => 0.25, jitterMs: 4 * MIN }).jitterMs).toBe(MIN);
    expect(provider({ random: () => 0, jitterMs: 4 * MIN }).jitterMs).toBe(0);
  });

  it('coalesces 1,000 concurrent cold requests into one GetId and one GetCredentialsForIdentity', async () => {
    tokens.signIn('sub-nurse');
    const p = provider();
    const all = await Promise.all(Array.from({ length: 1000 }, () => p.getCredentials()));
    expect(pool.count('GetId')).toBe(1);
    expect(pool.count('GetCredentialsForIdentity')).toBe(1);
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
  });

  describe('two roles of one user, asked for at once', () => {
    const bothRoles = async () => {
      tokens.roles = [NURSES, CHARGE];
      tokens.preferred = CHARGE;
      tokens.signIn('sub-charge');
      const p = provider();
      return Promise.all([p.getCredentials(), p.getCredentials({ roleArn: NURSES }), p.getCredentials({ roleArn: NURSES })]);
    };

    it('share one GetId', async () => {
      await bothRoles();
      expect(pool.count('GetId')).toBe(1);
    });

    it('get one GetCredentialsForIdentity per role, CustomRoleArn only for the requested one', async () => {
      const [preferred, requested, again] = await bothRoles();
      expect(pool.count('GetCredentialsForIdentity')).toBe(2);
      expect(pool.calls.filter((c) => c.op === 'GetCredentialsForIdentity').map((c) => c.input.CustomRoleArn)).toEqual([undefined, NURSES]);
      expect(preferred.roleArn).toBe(CHARGE);
      expect(requested.roleArn).toBe(NURSES);
      expect(again).toEqual(requested);
    });
  });

  it('a returning user (new instance, same cache folder) needs only GetCredentialsForIdentity', async () => {
    tokens.signIn('sub-nurse');
    const first = await provider().getCredentials();
    pool.calls = [];
    const again = await provider().getCredentials();
    expect(pool.calls.map((c) => c.op)).toEqual(['GetCredentialsForIdentity']);
    expect(pool.calls[0]!.input.IdentityId).toBe(first.identityId);
    expect(again.identityId).toBe(first.identityId);
  });

  describe('a cached IdentityId the pool no longer knows', () => {
    /** Caches an id for the nurse, then deletes it at the pool; returns the old id. */
    const vanished = async (): Promise<string> => {
      tokens.signIn('sub-nurse');
      const old = (await provider().getCredentials()).identityId;
      pool.deleted.add(old);
      pool.bySub.delete('sub-nurse');
      pool.calls = [];
      return old;
    };

    it('is dropped: GetId runs again, once, and the credentials are for the new id', async () => {
      const old = await vanished();
      const creds = await provider().getCredentials();
      expect(pool.calls.map((c) => c.op)).toEqual(['GetCredentialsForIdentity', 'GetId', 'GetCredentialsForIdentity']);
      expect(creds.identityId).not.toBe(old);
      expect(events).toContainEqual({ type: 'identity-replaced', principal: 'user', reason: 'not-found', identityId: creds.identityId });
    });

    it('is replaced in the cache: the next provider needs only GetCredentialsForIdentity', async () => {
      await vanished();
      await provider().getCredentials();
      pool.calls = [];
      await provider().getCredentials();
      expect(pool.calls.map((c) => c.op)).toEqual(['GetCredentialsForIdentity']);
    });
  });

  it('refreshes an ID token that is about to expire before sending it', async () => {
    tokens.signIn('sub-nurse', 30_000);
    const before = tokens.current_!.idToken;
    await provider().getCredentials();
    expect(tokens.refreshes).toBe(1);
    expect(pool.calls[0]!.input.Logins).toEqual({ [LOGINS_KEY]: tokens.current_!.idToken });
    expect(tokens.current_!.idToken).not.toBe(before);
  });

  it('never returns credentials past Expiration', async () => {
    tokens.signIn('sub-nurse', 3 * HOUR);
    const p = provider({ marginMs: 0, jitterMs: 0 });
    const first = await p.getCredentials();
    clock.advance(HOUR - 1);
    expect((await p.getCredentials()).accessKeyId).toBe(first.accessKeyId);
    clock.advance(1); // at Expiration: never the old ones
    expect((await p.getCredentials()).accessKeyId).not.toBe(first.accessKeyId);
  });

  it('refuses with clock_skew when the pool hands out credentials already expired by the terminal clock', async () => {
    tokens.signIn('sub-nurse');
    // A terminal clock far ahead of the service: the credentials are expired on arrival.
    pool.client.send = ((orig) => async (command: unknown) => {
      const out = (await orig(command)) as { Credentials?: { Expiration: Date } };
      if (out.Credentials) out.Credentials.Expiration = new Date(clock.now() - 1000);
      return out;
    })(pool.client.send);
    expect((await rejection(provider().getCredentials())).code).toBe('clock_skew');
  });
});

describe('role choice', () => {
  it('rejects a requested role that is not in cognito:roles before calling AWS', async () => {
    tokens.signIn('sub-nurse');
    const error = await rejection(provider().getCredentials({ roleArn: OTHER }));
    expect(error.code).toBe('not_authorized');
    expect(error.detail).toContain(OTHER);
    expect(pool.calls).toHaveLength(0);
  });

  it('requests config customRoleArn when the user has it', async () => {
    tokens.roles = [NURSES, CHARGE];
    tokens.signIn('sub-charge');
    const creds = await provider({ config: config({ customRoleArn: CHARGE }) }).getCredentials();
    expect(creds.roleArn).toBe(CHARGE);
    expect(pool.calls[1]!.input.CustomRoleArn).toBe(CHARGE);
  });

  it('refuses config customRoleArn with identity_config when the user lacks it, before calling AWS', async () => {
    tokens.roles = [NURSES];
    tokens.signIn('sub-nurse');
    const error = await rejection(provider({ config: config({ customRoleArn: CHARGE }) }).getCredentials());
    expect(error.code).toBe('identity_config');
    expect(pool.calls).toHaveLength(0);
  });

  it('reports null (pool default) when there is no preferred role', async () => {
    tokens.roles = [NURSES, OTHER];
    tokens.preferred = undefined;
    tokens.signIn('sub-float');
    expect((await provider().getCredentials()).roleArn).toBeNull();
  });
});

describe('failures', () => {
  it('retries throttling with full-jitter backoff, then succeeds', async () => {
    tokens.signIn('sub-nurse');
    throttle('GetCredentialsForIdentity', 3);
    const p = provider({ random: () => 0.5, retry: { baseDelayMs: 100, maxDelayMs: 1000 } });
    await p.getCredentials();
    expect(pool.count('GetCredentialsForIdentity')).toBe(4);
    // random() = 0.5: half of min(cap, base * 2^n); the first random() call was the jitter draw.
    expect(sleeps).toEqual([50, 100, 200]);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(3);
  });

  it('gives up after the bounded attempts with a retryable throttled error', async () => {
    tokens.signIn('sub-nurse');
    throttle('GetId', 10);
    const error = await rejection(provider({ retry: { maxAttempts: 3 } }).getCredentials());
    expect(error.code).toBe('throttled');
    expect(error.retryable).toBe(true);
    expect(pool.count('GetId')).toBe(3);
  });

  it('maps persistent 5xx to a retryable server_error after the bounded attempts', async () => {
    tokens.signIn('sub-nurse');
    serverErrors(10);
    const error = await rejection(provider().getCredentials());
    expect(error.code).toBe('server_error');
    expect(error.retryable).toBe(true);
    expect(pool.count('GetCredentialsForIdentity')).toBe(5);
  });

  it('a server_error carries no secret', async () => {
    tokens.signIn('sub-nurse');
    serverErrors(10);
    expectNoSecrets(await rejection(provider().getCredentials()));
  });

  describe('a refresh-ahead that fails for a passing reason (5xx)', () => {
    /** Credentials cached, then the pool failing every call and the clock inside the refresh margin. */
    const failingRefresh = async () => {
      tokens.signIn('sub-nurse', 3 * HOUR);
      const p = provider({ random: () => 0 });
      const first = await p.getCredentials();
      serverErrors(100);
      clock.advance(HOUR - 5 * MIN);
      return { p, first };
    };

    it('keeps serving the still-valid cached credentials, and says so', async () => {
      const { p, first } = await failingRefresh();
      expect(await p.getCredentials()).toEqual(first);
      expect(events).toContainEqual({ type: 'refresh-failed', code: 'server_error', servedCached: true });
    });

    it('stops serving them one minute before Expiration', async () => {
      const { p } = await failingRefresh();
      clock.advance(4 * MIN); // one minute left
      expect((await rejection(p.getCredentials())).code).toBe('server_error');
    });

    it('fetches new credentials once the pool answers again', async () => {
      const { p, first } = await failingRefresh();
      await p.getCredentials();
      pool.faults = {};
      expect((await p.getCredentials()).accessKeyId).not.toBe(first.accessKeyId);
    });
  });

  it('a refused refresh (not a passing failure) is not papered over with cached credentials', async () => {
    tokens.signIn('sub-nurse', 3 * HOUR);
    const p = provider({ random: () => 0 });
    await p.getCredentials();
    pool.fail('GetCredentialsForIdentity', 2, () => new NotAuthorizedException({ message: 'Logins don\'t match.', $metadata: { httpStatusCode: 400 } }));
    clock.advance(HOUR - 5 * MIN);
    expect((await rejection(p.getCredentials())).code).toBe('not_authorized');
  });

  it('maps a network failure to a retryable network error', async () => {
    tokens.signIn('sub-nurse');
    pool.fail('GetId', 10, () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    const error = await rejection(provider({ retry: { maxAttempts: 2 } }).getCredentials());
    expect(error.code).toBe('network');
    expect(error.retryable).toBe(true);
  });

  it('NotAuthorized once: refreshes the ID token and retries with the new one', async () => {
    tokens.signIn('sub-nurse');
    pool.fail('GetCredentialsForIdentity', 1, () => new NotAuthorizedException({ message: 'Invalid login token. Token expired: 1 >= 0', $metadata: { httpStatusCode: 400 } }));
    const creds = await provider().getCredentials();
    expect(tokens.refreshes).toBe(1);
    expect(creds.accessKeyId).toBeTruthy();
    const last = pool.calls.at(-1)!;
    expect(last.input.Logins).toEqual({ [LOGINS_KEY]: tokens.current_!.idToken });
  });

  describe('NotAuthorized twice', () => {
    const refusedTwice = () => {
      tokens.signIn('sub-nurse');
      pool.fail('GetId', 2, () => new NotAuthorizedException({ message: `Invalid login token. ${tokens.current_!.idToken}`, $metadata: { httpStatusCode: 400 } }));
      return rejection(provider().getCredentials());
    };

    it('ends in not_authorized after one ID-token refresh', async () => {
      const error = await refusedTwice();
      expect(error.code).toBe('not_authorized');
      expect(tokens.refreshes).toBe(1);
      expect(pool.count('GetId')).toBe(2);
    });

    it('the error carries no token, although the service message quoted one', async () => {
      expectNoSecrets(await refusedTwice());
    });
  });

  it('InvalidIdentityPoolConfiguration names the missing role', async () => {
    tokens.signIn('sub-nurse');
    pool.fail('GetCredentialsForIdentity', 1, () => new InvalidIdentityPoolConfigurationException({ message: 'Invalid identity pool configuration. Check assigned IAM roles for this pool.', $metadata: { httpStatusCode: 400 } }));
    const error = await rejection(provider().getCredentials());
    expect(error.code).toBe('identity_config');
    expect(error.detail).toContain(NURSES);
    expect(pool.count('GetCredentialsForIdentity')).toBe(1);
  });

  it('a failed ID-token refresh surfaces as a typed error', async () => {
    tokens.signIn('sub-nurse', 10_000);
    tokens.refreshError = new Error('invalid_grant');
    const error = await rejection(provider().getCredentials());
    expect(error.code).toBe('refresh_rejected');
    expect(pool.calls).toHaveLength(0);
  });
});

describe('the gate', () => {
  it('refuses while locked, without calling AWS', async () => {
    tokens.signIn('sub-nurse');
    gate = 'locked';
    expect((await rejection(provider().getCredentials())).code).toBe('locked');
    expect(pool.calls).toHaveLength(0);
  });

  it('refuses while signed out, without calling AWS', async () => {
    tokens.signIn('sub-nurse');
    gate = 'signed-out';
    expect((await rejection(provider().getCredentials())).code).toBe('signed_out');
    expect(pool.calls).toHaveLength(0);
  });

  it('cached credentials are refused while locked', async () => {
    tokens.signIn('sub-nurse');
    const p = provider();
    await p.getCredentials();
    gate = 'locked';
    expect((await rejection(p.getCredentials())).code).toBe('locked');
  });

  it('after the unlock the cached credentials are handed out again, without a request', async () => {
    tokens.signIn('sub-nurse');
    const p = provider();
    const creds = await p.getCredentials();
    gate = 'locked';
    await rejection(p.getCredentials());
    gate = 'open';
    expect(await p.getCredentials()).toEqual(creds);
    expect(pool.count('GetCredentialsForIdentity')).toBe(1);
  });

  it('an answer that arrives after the terminal locked is not handed out', async () => {
    tokens.signIn('sub-nurse');
    const p = provider();
    expect(await lockedWhileInFlight(() => p.getCredentials())).toBe('locked');
  });

  it('after such a refusal and the unlock, the next call fetches its own credentials', async () => {
    tokens.signIn('sub-nurse');
    const p = provider();
    await lockedWhileInFlight(() => p.getCredentials());
    gate = 'open';
    const creds = await p.getCredentials();
    expect(creds.identityId).toBe(pool.bySub.get('sub-nurse'));
    expect(pool.count('GetCredentialsForIdentity')).toBe(1);
  });

  describe('drop() (sign-out / switch)', () => {
    it('ends a request in flight with signed_out', async () => {
      tokens.signIn('sub-nurse');
      const p = provider();
      let release!: () => void;
      pool.hold = new Promise((r) => (release = r));
      const pending = p.getCredentials();
      await new Promise((r) => setImmediate(r));
      p.drop();
      release();
      pool.hold = undefined;
      expect((await rejection(pending)).code).toBe('signed_out');
    });

    it('empties the cache: the next call fetches again', async () => {
      tokens.signIn('sub-nurse');
      const p = provider();
      await p.getCredentials();
      p.drop();
      await p.getCredentials();
      expect(pool.count('GetCredentialsForIdentity')).toBe(2);
    });
  });

  it('a user switch never hands the previous user\'s credentials to the next one', async () => {
    tokens.signIn('sub-nurse');
    const p = provider();
    const nurse = await p.getCredentials();
    tokens.signIn('sub-surgeon');
    const surgeon = await p.getCredentials();
    expect(surgeon.identityId).not.toBe(nurse.identityId);
    expect(events).toContainEqual({ type: 'dropped', reason: 'switch' });
  });
});

describe('guests', () => {
  it('refuses guest mode when the config does not allow it, without calling AWS', async () => {
    const error = await rejection(provider({ config: config({ allowGuest: false }) }).startGuest());
    expect(error.code).toBe('not_authorized');
    expect(pool.calls).toHaveLength(0);
  });

  it('guest credentials cost GetId without Logins, then GetCredentialsForIdentity', async () => {
    await provider().startGuest();
    expect(pool.calls.map((c) => c.op)).toEqual(['GetId', 'GetCredentialsForIdentity']);
    expect(pool.calls[0]!.input).toEqual({ IdentityPoolId: POOL_ID });
  });

  it('guest credentials report no role (the pool\'s unauthenticated role)', async () => {
    expect((await provider().startGuest()).roleArn).toBeNull();
  });

  it('guest credentials are cached for the guest session', async () => {
    const p = provider();
    const creds = await p.startGuest();
    expect(await p.getCredentials()).toEqual(creds);
    expect(p.isGuest()).toBe(true);
    expect(pool.calls).toHaveLength(2);
  });

  it('the next guest session after a link gets a new guest identity (the old one belongs to the user now)', async () => {
    const p = provider();
    const guest = await p.startGuest();
    tokens.signIn('sub-new');
    await p.linkGuestOnSignIn();
    p.drop();
    tokens.current_ = null;
    const next = await p.startGuest();
    expect(next.identityId).not.toBe(guest.identityId);
  });
});

describe('linking a guest identity at sign-in', () => {
  /** A guest session, then `sub` signs in. */
  const guestThenSignIn = async (sub: string) => {
    const p = provider();
    const guest = await p.startGuest();
    tokens.signIn(sub);
    return { p, guest };
  };

  it('sends GetCredentialsForIdentity with the guest IdentityId and the user\'s Logins', async () => {
    const { p, guest } = await guestThenSignIn('sub-new');
    await p.linkGuestOnSignIn();
    expect(pool.calls.at(-1)!.input).toMatchObject({ IdentityId: guest.identityId, Logins: { [LOGINS_KEY]: tokens.current_!.idToken } });
  });

  it('a user new to the pool keeps the guest identity: kept, with the user\'s role', async () => {
    const { p, guest } = await guestThenSignIn('sub-new');
    const result = await p.linkGuestOnSignIn();
    expect(result).toMatchObject({ linked: 'kept', identityId: guest.identityId });
    expect(result.credentials.roleArn).toBe(NURSES);
  });

  it('ends the guest session', async () => {
    const { p } = await guestThenSignIn('sub-new');
    await p.linkGuestOnSignIn();
    expect(p.isGuest()).toBe(false);
  });

  it('caches the linked identity as the user\'s: the next provider needs only GetCredentialsForIdentity', async () => {
    const { p, guest } = await guestThenSignIn('sub-new');
    await p.linkGuestOnSignIn();
    pool.calls = [];
    expect((await provider().getCredentials()).identityId).toBe(guest.identityId);
    expect(pool.calls.map((c) => c.op)).toEqual(['GetCredentialsForIdentity']);
  });

  it('a user with an earlier identity: the guest is merged into it and the result says merged', async () => {
    tokens.signIn('sub-old');
    const p = provider();
    const own = await p.getCredentials();
    p.drop();
    tokens.current_ = null;
    const guest = await p.startGuest();
    expect(guest.identityId).not.toBe(own.identityId);
    tokens.signIn('sub-old');
    const result = await p.linkGuestOnSignIn();
    expect(result).toMatchObject({ linked: 'merged', identityId: own.identityId });
    expect(events).toContainEqual({ type: 'linked', linked: 'merged', identityId: own.identityId });
  });

  describe('a guest identity that vanished', () => {
    const vanishedGuest = async () => {
      const { p, guest } = await guestThenSignIn('sub-new');
      pool.deleted.add(guest.identityId);
      pool.calls = [];
      return { p, guest, result: await p.linkGuestOnSignIn() };
    };

    it('is given up: none, with the user\'s own identity', async () => {
      const { guest, result } = await vanishedGuest();
      expect(result.linked).toBe('none');
      expect(result.identityId).not.toBe(guest.identityId);
    });

    it('costs the failed link, then GetId and GetCredentialsForIdentity of the user\'s own identity', async () => {
      await vanishedGuest();
      expect(pool.calls.map((c) => c.op)).toEqual(['GetCredentialsForIdentity', 'GetId', 'GetCredentialsForIdentity']);
    });

    it('is reported (link-failed) and ends the guest session', async () => {
      const { p } = await vanishedGuest();
      expect(events).toContainEqual({ type: 'link-failed', reason: 'not-found' });
      expect(p.isGuest()).toBe(false);
    });
  });

  it('linkGuestOnSignIn without a guest session reports none', async () => {
    tokens.signIn('sub-nurse');
    const result = await provider().linkGuestOnSignIn();
    expect(result.linked).toBe('none');
  });
});
