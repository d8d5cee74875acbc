/**
 * The credentials provider against local-cognito's identity pool alone (`createIdentityPool` on a
 * node:http server on 127.0.0.1:0), through the real SDK, with Cognito-shaped ID tokens minted here
 * with jose for every demo user. Fast, and it sees what the pool really issued (`describeCredentials`),
 * so the role the provider reports is checked against the role the pool chose.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { ConfigSchema, type Config } from '../../main/config/schema';
import { isScrubInError } from '../../main/errors';
import { createCredentialsProvider, type CredentialsProvider, type IdToken, type IdTokenSource } from '../../main/identity-pool';
import { createIdentityPool, type IdentityPool } from '../../local-cognito/identity-pool';
import { AUTHENTICATED_ROLE_ARN, DEMO_USERS, GUEST_ROLE_ARN, groupClaims } from '../../local-cognito/seed';

const REGION = 'us-east-1';
const POOL_ID = 'us-east-1:4b5c6d7e-1111-4222-8333-944445555666';
const USER_POOL = 'us-east-1_LocalPool';
const CLIENT_ID = 'scrubinlocalclient';
const MIN = 60_000;

let clock: ManualClock;
let issuer: string;
let pool: IdentityPool;
let server: Server;
let config: Config;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let publicJwk: JWK;
let minted = 0;

async function mint(username: string, lifetimeMs = 60 * MIN): Promise<IdToken> {
  const user = DEMO_USERS.find((u) => u.username === username)!;
  const iat = Math.floor(clock.now() / 1000);
  const exp = Math.floor((clock.now() + lifetimeMs) / 1000);
  minted += 1;
  const idToken = await new SignJWT({
    aud: CLIENT_ID,
    token_use: 'id',
    auth_time: iat,
    'cognito:username': user.username,
    ...groupClaims(user),
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'id-1' })
    .setIssuer(issuer)
    .setSubject(user.sub)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(privateKey);
  return { sub: user.sub, idToken, expiresAt: exp * 1000 };
}

class Source implements IdTokenSource {
  token: IdToken | null = null;
  refreshes = 0;
  constructor(private readonly username: string | null) {}
  async start(lifetimeMs?: number): Promise<this> {
    if (this.username) this.token = await mint(this.username, lifetimeMs);
    return this;
  }
  current(): IdToken | null {
    return this.token;
  }
  async refresh(): Promise<IdToken> {
    this.refreshes += 1;
    this.token = await mint(this.username!);
    return this.token;
  }
}

const providers: CredentialsProvider[] = [];
async function provider(idTokens: IdTokenSource): Promise<CredentialsProvider> {
  const p = createCredentialsProvider({
    config,
    idTokens,
    cacheDir: await mkdtemp(join(tmpdir(), 'scrubin-aws-pool-')),
    gate: () => 'open',
    clock,
    random: () => 0,
    sleep: () => Promise.resolve(),
  });
  providers.push(p);
  return p;
}

beforeAll(async () => {
  clock = new ManualClock(Date.now());
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'id-1', alg: 'RS256', use: 'sig' };
  issuer = `http://127.0.0.1:1/${USER_POOL}`;
  pool = createIdentityPool({
    identityPoolId: POOL_ID,
    region: REGION,
    allowUnauthenticated: true,
    authenticatedRoleArn: AUTHENTICATED_ROLE_ARN,
    unauthenticatedRoleArn: GUEST_ROLE_ARN,
    providers: [
      {
        loginsKey: `cognito-idp.${REGION}.amazonaws.com/${USER_POOL}`,
        issuer,
        clientIds: [CLIENT_ID],
        jwks: () => Promise.resolve({ keys: [publicJwk] }),
      },
    ],
    now: () => clock.now(),
  });
  server = createServer((req, res) => void pool.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config = ConfigSchema.parse({
    userPool: { issuer, clientId: CLIENT_ID, domain: 'http://127.0.0.1:1' },
    identityPool: { id: POOL_ID, region: REGION, endpoint, allowGuest: true },
    redirectUri: 'app.scrubin:/callback',
    logoutUri: 'app.scrubin:/logout',
  });
});

beforeEach(() => {
  clock = new ManualClock(Date.now());
});

afterAll(async () => {
  for (const p of providers) p.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('role choice as the pool sees it', () => {
  it.each([
    ['nurse', 'Nurses', 'Nurses'],
    ['surgeon', 'Surgeons', 'Surgeons'],
    ['anesthesiologist', 'Anesthesiologists', 'Anesthesiologists'],
    ['itadmin', 'ItAdmins', 'ItAdmins'],
    ['charge', 'ChargeNurses', 'ChargeNurses'],
    ['float', null, 'Authenticated'],
  ])('%s: reported role %s, issued role %s', async (username, reported, issued) => {
    const p = await provider(await new Source(username).start());
    const creds = await p.getCredentials();
    expect(creds.roleArn).toBe(reported && `arn:aws:iam::000000000000:role/ScrubIn-${reported}`);
    const record = pool.describeCredentials(creds.accessKeyId);
    expect(record?.roleArn).toBe(`arn:aws:iam::000000000000:role/ScrubIn-${issued}`);
    expect(record?.identityId).toBe(creds.identityId);
    expect(record?.expiresAt).toBe(creds.expiration);
    expect(record?.authenticated).toBe(true);
  });

  it('a per-call role from cognito:roles is what the pool issues', async () => {
    const p = await provider(await new Source('charge').start());
    const nurses = 'arn:aws:iam::000000000000:role/ScrubIn-Nurses';
    const creds = await p.getCredentials({ roleArn: nurses });
    expect(pool.describeCredentials(creds.accessKeyId)?.roleArn).toBe(nurses);
  });

  it('guest credentials carry the unauthenticated role', async () => {
    const p = await provider(new Source(null));
    const creds = await p.startGuest();
    expect(pool.describeCredentials(creds.accessKeyId)).toMatchObject({ roleArn: GUEST_ROLE_ARN, authenticated: false });
  });
});

describe('ID token age', () => {
  it('an ID token inside the skew margin is refreshed before it is sent (the pool would refuse it)', async () => {
    const source = await new Source('nurse').start(30_000);
    const p = await provider(source);
    const creds = await p.getCredentials();
    expect(source.refreshes).toBe(1);
    expect(pool.describeCredentials(creds.accessKeyId)?.authenticated).toBe(true);
  });

  it('an ID token the pool rejects as expired is refreshed once, then the call succeeds', async () => {
    const source = await new Source('surgeon').start();
    const p = await provider(source);
    // The terminal's clock says the token is fine; the pool's says it expired (a skewed terminal clock).
    const stale = await mint('surgeon', -10 * MIN);
    source.token = { ...stale, expiresAt: clock.now() + 30 * MIN };
    const creds = await p.getCredentials();
    expect(source.refreshes).toBe(1);
    expect(creds.roleArn).toBe('arn:aws:iam::000000000000:role/ScrubIn-Surgeons');
  });

  it('a token the pool keeps rejecting ends in not_authorized without leaking it', async () => {
    const source = await new Source('surgeon').start();
    const p = await provider(source);
    const stale = await mint('surgeon', -10 * MIN);
    source.token = { ...stale, expiresAt: clock.now() + 30 * MIN };
    source.refresh = () => {
      source.refreshes += 1;
      return Promise.resolve(source.token!);
    };
    let caught: unknown;
    try {
      await p.getCredentials();
    } catch (error) {
      caught = error;
    }
    expect(isScrubInError(caught, 'not_authorized')).toBe(true);
    const e = caught as { message: string; detail?: string };
    expect(`${e.message} ${e.detail}`).not.toContain(stale.idToken.split('.')[1]!);
    expect(minted).toBeGreaterThan(0);
  });
});
