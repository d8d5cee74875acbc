/**
 * The credentials provider against the composed local-cognito (user pool + identity pool on one
 * 127.0.0.1 origin) through the real @aws-sdk/client-cognito-identity. ID tokens come from real
 * managed logins (openid-client + headless Chromium); ID-token refreshes use the real token endpoint.
 * local-cognito and the provider share one ManualClock per test, so credential expiry is driven exactly.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { ConfigSchema, type Config } from '../../main/config/schema';
import {
  createCredentialsProvider,
  type CredentialsProvider,
  type CredentialsProviderOptions,
  type GateState,
  type IdToken,
  type IdTokenSource,
} from '../../main/identity-pool';
import { createIdentityCache } from '../../main/identity-pool/identity-cache';
import { launchChromium } from '../support/browser';
import { demoUser, jwtPayload, oidcConfig, signIn, withLocalCognito, type LocalCognito } from '../support/local-cognito';
import { rejection } from '../support/errors';

const MIN = 60_000;
const role = (name: string): string => `arn:aws:iam::000000000000:role/ScrubIn-${name}`;

interface Session {
  sub: string;
  idToken: string;
  expiresAt: number;
  refreshToken: string;
}

interface Env {
  lc: LocalCognito;
  oidcConfig: oidc.Configuration;
  config: Config;
  sessions: Map<string, Session>;
}

let browser: Browser;
/** The clock both local-cognito and the provider read; replaced per test (starting at real time, so the real-time ID tokens stay valid). */
let clock = new ManualClock(Date.now());
let gate: GateState = 'open';
const providers: CredentialsProvider[] = [];
const envs: Env[] = [];

async function startEnv(usernames: string[]): Promise<Env> {
  const lc = await withLocalCognito({ admin: true, now: () => clock.now() });
  const config = ConfigSchema.parse(lc.config);
  const oidcConf = await oidcConfig(lc);
  const sessions = new Map<string, Session>();
  for (const username of usernames) {
    const context = await browser.newContext();
    try {
      const { tokens } = await signIn(lc, oidcConf, context, demoUser(username));
      const idToken = tokens.id_token!;
      const claims = jwtPayload(idToken);
      sessions.set(username, {
        sub: String(claims.sub),
        idToken,
        expiresAt: Number(claims.exp) * 1000,
        refreshToken: tokens.refresh_token!,
      });
    } finally {
      await context.close();
    }
  }
  const env = { lc, oidcConfig: oidcConf, config, sessions };
  envs.push(env);
  return env;
}

/** The terminal's view of who is signed in: switchable, refreshes through the real token endpoint. */
class Terminal implements IdTokenSource {
  user: Session | null = null;
  refreshes = 0;
  constructor(private readonly env: Env) {}
  signIn(username: string): void {
    const s = this.env.sessions.get(username);
    if (!s) throw new Error(`${username} has no session`);
    this.user = s;
  }
  signOut(): void {
    this.user = null;
  }
  current(): IdToken | null {
    return this.user && { sub: this.user.sub, idToken: this.user.idToken, expiresAt: this.user.expiresAt };
  }
  async refresh(): Promise<IdToken> {
    if (!this.user) throw new Error('nobody signed in');
    this.refreshes += 1;
    const tokens = await oidc.refreshTokenGrant(this.env.oidcConfig, this.user.refreshToken);
    const claims = jwtPayload(tokens.id_token!);
    this.user = { ...this.user, idToken: tokens.id_token!, expiresAt: Number(claims.exp) * 1000 };
    return this.current()!;
  }
}

let sleeps: number[] = [];

async function newCacheDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'scrubin-aws-it-'));
}

function provider(env: Env, terminal: Terminal, cacheDir: string, overrides: Partial<CredentialsProviderOptions> = {}): CredentialsProvider {
  const p = createCredentialsProvider({
    config: env.config,
    idTokens: terminal,
    cacheDir,
    gate: () => gate,
    clock,
    random: () => 0, // no per-process jitter: the refresh point is exactly Expiration - margin
    marginMs: 5 * MIN,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
  providers.push(p);
  return p;
}

function identityCounts(env: Env): { GetId: number; GetCredentialsForIdentity: number; token: number } {
  const c = env.lc.admin.counts();
  return { GetId: c.GetId ?? 0, GetCredentialsForIdentity: c.GetCredentialsForIdentity ?? 0, token: c.token ?? 0 };
}

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
  await Promise.all(envs.map((e) => e.lc.stop()));
});

beforeEach(() => {
  clock = new ManualClock(Date.now());
  gate = 'open';
  sleeps = [];
  for (const env of envs) {
    env.lc.admin.resetCounts();
    env.lc.admin.clearFaults();
  }
});

afterEach(() => {
  for (const p of providers.splice(0)) p.close();
});

describe('per user, against local-cognito', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv(['nurse', 'surgeon', 'anesthesiologist', 'itadmin', 'charge', 'float']);
  });

  it.each([
    ['nurse', role('Nurses')],
    ['surgeon', role('Surgeons')],
    ['anesthesiologist', role('Anesthesiologists')],
    ['itadmin', role('ItAdmins')],
    ['charge', role('ChargeNurses')],
    ['float', null],
  ])('%s: credentials with the group role, cached, then exactly one refresh after the margin', async (username, expectedRole) => {
    const terminal = new Terminal(env);
    terminal.signIn(username);
    const p = provider(env, terminal, await newCacheDir());
    env.lc.admin.resetCounts();

    const first = await p.getCredentials();
    expect(first.roleArn).toBe(expectedRole);
    expect(first.accessKeyId).toMatch(/^ASIA/);
    expect(first.identityId).toMatch(/^us-east-1:/);
    expect(first.expiration).toBeGreaterThan(clock.now() + 59 * MIN);
    expect(identityCounts(env)).toEqual({ GetId: 1, GetCredentialsForIdentity: 1, token: 0 });

    env.lc.admin.resetCounts();
    expect(await p.getCredentials()).toEqual(first);
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 0, token: 0 });

    clock.advance(first.expiration - 5 * MIN - clock.now() - 1);
    expect(await p.getCredentials()).toEqual(first);
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 0, token: 0 });

    clock.advance(1);
    const [a, b] = await Promise.all([p.getCredentials(), p.getCredentials()]);
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 1, token: 0 });
    expect(a).toEqual(b);
    expect(a.accessKeyId).not.toBe(first.accessKeyId);
    expect(a.identityId).toBe(first.identityId);
    expect(a.expiration).toBeGreaterThan(first.expiration);
  });

  it('a role outside the token is refused before AWS; a role inside it is used', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('charge');
    const p = provider(env, terminal, await newCacheDir());
    const refused = await rejection(p.getCredentials({ roleArn: role('ItAdmins') }));
    expect(refused.code).toBe('not_authorized');
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 0, token: 0 });
    const nurses = await p.getCredentials({ roleArn: role('Nurses') });
    expect(nurses.roleArn).toBe(role('Nurses'));
  });

  it('config customRoleArn is requested for every call', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('charge');
    const config = ConfigSchema.parse({ ...env.lc.config, identityPool: { ...env.config.identityPool, customRoleArn: role('Nurses') } });
    const creds = await provider(env, terminal, await newCacheDir(), { config }).getCredentials();
    expect(creds.roleArn).toBe(role('Nurses'));
  });

  it('a returning user on a fresh process needs exactly one identity request (no GetId)', async () => {
    const dir = await newCacheDir();
    const terminal = new Terminal(env);
    terminal.signIn('surgeon');
    const before = await provider(env, terminal, dir).getCredentials();
    env.lc.admin.resetCounts();
    const again = await provider(env, new Terminal(env), dir).getCredentials().catch(() => undefined);
    expect(again).toBeUndefined(); // nobody signed in on that terminal yet
    const t2 = new Terminal(env);
    t2.signIn('surgeon');
    const creds = await provider(env, t2, dir).getCredentials();
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 1, token: 0 });
    expect(creds.identityId).toBe(before.identityId);
  });

  it('1,000 concurrent getCredentials on a cold cache: one GetId and one GetCredentialsForIdentity', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('itadmin');
    const p = provider(env, terminal, await newCacheDir());
    const all = await Promise.all(Array.from({ length: 1000 }, () => p.getCredentials()));
    expect(identityCounts(env)).toEqual({ GetId: 1, GetCredentialsForIdentity: 1, token: 0 });
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
  });

  it('throttling for 3 calls: success after backoff', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('nurse');
    const p = provider(env, terminal, await newCacheDir(), { random: () => 0.5 });
    env.lc.admin.failNext('GetCredentialsForIdentity', { count: 3, status: 400, error: 'TooManyRequestsException' });
    const creds = await p.getCredentials();
    expect(creds.roleArn).toBe(role('Nurses'));
    expect(identityCounts(env)).toEqual({ GetId: 1, GetCredentialsForIdentity: 4, token: 0 });
    expect(sleeps).toHaveLength(3);
    expect(sleeps.every((ms, i) => ms >= 0 && ms <= 200 * 2 ** i)).toBe(true);
  });

  it('a permanent 500: typed retryable server_error, no credentials served', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('nurse');
    const p = provider(env, terminal, await newCacheDir());
    env.lc.admin.failNext('GetCredentialsForIdentity', { count: 50, status: 500, error: 'InternalErrorException' });
    const error = await rejection(p.getCredentials());
    expect(error.code).toBe('server_error');
    expect(error.retryable).toBe(true);
    expect(identityCounts(env).GetCredentialsForIdentity).toBe(5);
    const again = await rejection(p.getCredentials());
    expect(again.code).toBe('server_error');
  });

  it('an identity pool that never answers: each call is cut at the request timeout, then a typed retryable network error', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('nurse');
    const p = provider(env, terminal, await newCacheDir(), { requestTimeoutMs: 150, retry: { maxAttempts: 2 } });
    env.lc.admin.failNext('GetId', { count: 2, delayMs: 3_000 });
    const error = await rejection(p.getCredentials());
    expect(error.code).toBe('network');
    expect(error.retryable).toBe(true);
    expect(identityCounts(env).GetId).toBe(2);
    env.lc.admin.clearFaults();
  });

  it('NotAuthorized: refreshes the ID token once through the token endpoint, then succeeds', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('anesthesiologist');
    const p = provider(env, terminal, await newCacheDir());
    env.lc.admin.failNext('GetCredentialsForIdentity', { status: 400, error: 'NotAuthorizedException', message: 'Invalid login token. Token expired' });
    const creds = await p.getCredentials();
    expect(creds.roleArn).toBe(role('Anesthesiologists'));
    expect(terminal.refreshes).toBe(1);
    expect(identityCounts(env)).toEqual({ GetId: 1, GetCredentialsForIdentity: 2, token: 1 });
  });

  it('NotAuthorized twice: not_authorized after one refresh', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('anesthesiologist');
    const p = provider(env, terminal, await newCacheDir());
    env.lc.admin.failNext('GetId', { count: 2, status: 400, error: 'NotAuthorizedException', message: 'Invalid login token.' });
    const error = await rejection(p.getCredentials());
    expect(error.code).toBe('not_authorized');
    expect(terminal.refreshes).toBe(1);
    expect(identityCounts(env)).toEqual({ GetId: 2, GetCredentialsForIdentity: 0, token: 1 });
  });

  it('InvalidIdentityPoolConfiguration: identity_config naming the missing role', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('surgeon');
    const p = provider(env, terminal, await newCacheDir());
    env.lc.admin.failNext('GetCredentialsForIdentity', { status: 400, error: 'InvalidIdentityPoolConfigurationException' });
    const error = await rejection(p.getCredentials());
    expect(error.code).toBe('identity_config');
    expect(error.detail).toContain(role('Surgeons'));
  });

  it('a cached IdentityId the pool does not know: dropped, GetId once, cache replaced', async () => {
    const dir = await newCacheDir();
    const bogus = 'us-east-1:00000000-0000-4000-8000-000000000bad';
    const terminal = new Terminal(env);
    terminal.signIn('nurse');
    await createIdentityCache({ dir, identityPoolId: env.config.identityPool!.id, now: () => clock.now() }).set(terminal.user!.sub, bogus);
    const creds = await provider(env, terminal, dir).getCredentials();
    expect(creds.identityId).not.toBe(bogus);
    expect(identityCounts(env)).toEqual({ GetId: 1, GetCredentialsForIdentity: 2, token: 0 });
    env.lc.admin.resetCounts();
    await provider(env, terminal, dir).getCredentials();
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 1, token: 0 });
  });

  it('a locked terminal is refused; in-flight results after locking are not handed out', async () => {
    const terminal = new Terminal(env);
    terminal.signIn('nurse');
    const p = provider(env, terminal, await newCacheDir());
    gate = 'locked';
    expect((await rejection(p.getCredentials())).code).toBe('locked');
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 0, token: 0 });
    gate = 'open';
    // GetId is held for 200 ms by local-cognito; the terminal locks while the provider awaits it.
    env.lc.admin.failNext('GetId', { delayMs: 200 });
    const q = provider(env, terminal, await newCacheDir(), {
      onEvent: (e) => {
        if (e.type === 'request' && e.operation === 'GetId') setImmediate(() => (gate = 'locked'));
      },
    });
    const pending = q.getCredentials();
    expect((await rejection(pending)).code).toBe('locked');
    expect(identityCounts(env).GetId).toBe(1);
    expect(identityCounts(env).GetCredentialsForIdentity).toBe(0);
    gate = 'signed-out';
    expect((await rejection(p.getCredentials())).code).toBe('signed_out');
  });
});

describe('guests and linking, against local-cognito', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv(['nurse', 'surgeon']);
  });

  it('guest -> sign-in links the guest identity and keeps its IdentityId', async () => {
    const dir = await newCacheDir();
    const terminal = new Terminal(env);
    const p = provider(env, terminal, dir);
    const guest = await p.startGuest();
    expect(guest.roleArn).toBeNull();
    expect(identityCounts(env)).toEqual({ GetId: 1, GetCredentialsForIdentity: 1, token: 0 });

    terminal.signIn('nurse');
    env.lc.admin.resetCounts();
    const linked = await p.linkGuestOnSignIn();
    expect(linked.linked).toBe('kept');
    expect(linked.identityId).toBe(guest.identityId);
    expect(linked.credentials.identityId).toBe(guest.identityId);
    expect(linked.credentials.roleArn).toBe(role('Nurses'));
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 1, token: 0 });
    expect(p.isGuest()).toBe(false);

    // The nurse returns later on this terminal: the linked id, no GetId.
    env.lc.admin.resetCounts();
    const later = new Terminal(env);
    later.signIn('nurse');
    expect((await provider(env, later, dir).getCredentials()).identityId).toBe(guest.identityId);
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 1, token: 0 });
  });

  it('merge: a user with an identity from an earlier sign-in links a guest session -> merged, cached id replaced', async () => {
    // The surgeon signed in earlier on another terminal.
    const elsewhere = new Terminal(env);
    elsewhere.signIn('surgeon');
    const own = await provider(env, elsewhere, await newCacheDir()).getCredentials();

    // This terminal: a guest session, then the surgeon signs in.
    const dir = await newCacheDir();
    const terminal = new Terminal(env);
    const p = provider(env, terminal, dir);
    const guest = await p.startGuest();
    expect(guest.identityId).not.toBe(own.identityId);
    terminal.signIn('surgeon');
    const result = await p.linkGuestOnSignIn();
    expect(result).toMatchObject({ linked: 'merged', identityId: own.identityId });
    expect(result.credentials.roleArn).toBe(role('Surgeons'));

    env.lc.admin.resetCounts();
    const again = new Terminal(env);
    again.signIn('surgeon');
    expect((await provider(env, again, dir).getCredentials()).identityId).toBe(own.identityId);
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 1, token: 0 });

    // The next guest on this terminal gets a new guest identity (the merged one is gone).
    const next = await provider(env, new Terminal(env), dir).startGuest();
    expect(next.identityId).not.toBe(guest.identityId);
  });

  it('guest credentials are refused while the terminal is locked', async () => {
    const p = provider(env, new Terminal(env), await newCacheDir());
    await p.startGuest();
    gate = 'locked';
    expect((await rejection(p.getCredentials())).code).toBe('locked');
  });
});

describe('guests not allowed by the pool', () => {
  it('startGuest is refused by config, and by the pool when config and pool disagree', async () => {
    const lc = await withLocalCognito({ admin: true, allowGuest: false, now: () => clock.now() });
    envs.push({ lc, oidcConfig: undefined as unknown as oidc.Configuration, config: ConfigSchema.parse(lc.config), sessions: new Map() });
    const env = envs.at(-1)!;
    const refused = await rejection(provider(env, new Terminal(env), await newCacheDir()).startGuest());
    expect(refused.code).toBe('not_authorized');
    expect(identityCounts(env)).toEqual({ GetId: 0, GetCredentialsForIdentity: 0, token: 0 });

    const lying = ConfigSchema.parse({ ...lc.config, identityPool: { ...env.config.identityPool, allowGuest: true } });
    const byPool = await rejection(provider(env, new Terminal(env), await newCacheDir(), { config: lying }).startGuest());
    expect(byPool.code).toBe('not_authorized');
    expect(byPool.userMessage).toMatch(/Guest access/);
    expect(identityCounts(env).GetId).toBe(1);
  });
});
