/**
 * local-cognito identity pool through the real @aws-sdk/client-cognito-identity.
 *
 * Each pool runs on its own node:http server on 127.0.0.1:0. ID tokens are minted here with jose,
 * shaped like Cognito's, and signed with test keys served through the provider's `jwks` callback.
 * Time is a variable the test moves (no sleeping).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CognitoIdentityClient,
  CognitoIdentityServiceException,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  InvalidIdentityPoolConfigurationException,
  TooManyRequestsException,
  NotAuthorizedException,
  ResourceNotFoundException,
  type GetCredentialsForIdentityCommandOutput,
} from '@aws-sdk/client-cognito-identity';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityPool, OPENID_TOKEN_ISSUER, sendIdentityPoolError, type IdentityPool, type IdentityPoolOptions, type RoleMapping } from '../../local-cognito/identity-pool';

const REGION = 'us-east-1';
const POOL_ID = 'us-east-1:4b5c6d7e-1111-4222-8333-944445555666';
const USER_POOL = 'us-east-1_LocalPool';
const LOGINS_KEY = `cognito-idp.${REGION}.amazonaws.com/${USER_POOL}`;
const CLIENT_ID = 'scrubin-local-client';
const ACCOUNT = '000000000000';
const role = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const AUTH_ROLE = role('Authenticated');
const GUEST_ROLE = role('Guest');
const NURSES = role('Nurses');
const CHARGE = role('ChargeNurses');
const IDENTITY_ID = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
interface TestKey {
  kid: string;
  privateKey: PrivateKey;
  publicJwk: JWK;
}

async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** Test time in ms; the pools read it through `now`. */
let nowMs = Date.UTC(2026, 0, 1, 7, 0, 0);
const nowSec = (): number => Math.floor(nowMs / 1000);

let issuer = '';
let idKey: TestKey;
let accessKey: TestKey;
/** The user pool's published keys (mutable: rotation adds to it). */
const published: JWK[] = [];
let jwksReads = 0;
/** The Authorization header of every request the pools received. */
const seenAuthorization: (string | undefined)[] = [];

interface Running {
  pool: IdentityPool;
  client: CognitoIdentityClient;
  endpoint: string;
  server: Server;
}
const running: Running[] = [];

async function startPool(overrides: Partial<IdentityPoolOptions> = {}, roleMapping?: RoleMapping): Promise<Running> {
  const pool = createIdentityPool({
    identityPoolId: POOL_ID,
    region: REGION,
    allowUnauthenticated: true,
    authenticatedRoleArn: AUTH_ROLE,
    unauthenticatedRoleArn: GUEST_ROLE,
    providers: [
      {
        loginsKey: LOGINS_KEY,
        issuer,
        clientIds: [CLIENT_ID, 'another-client'],
        jwks: () => {
          jwksReads++;
          return Promise.resolve({ keys: published.map((k) => ({ ...k })) });
        },
        ...(roleMapping ? { roleMapping } : {}),
      },
    ],
    now: () => nowMs,
    ...overrides,
  });
  const server = createServer((req, res) => {
    seenAuthorization.push(req.headers.authorization);
    void pool.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // No credentials: GetId / GetCredentialsForIdentity / GetOpenIdToken are `smithy.api#noAuth` in the SDK.
  const client = new CognitoIdentityClient({ region: REGION, endpoint, maxAttempts: 1 });
  const r = { pool, client, endpoint, server };
  running.push(r);
  return r;
}

interface MintOptions {
  key?: TestKey;
  claims?: Record<string, unknown>;
  omit?: string[];
}

async function idToken(username: string, options: MintOptions = {}): Promise<string> {
  const iat = nowSec();
  const claims: Record<string, unknown> = {
    sub: `sub-${username}`,
    aud: CLIENT_ID,
    iss: issuer,
    token_use: 'id',
    auth_time: iat,
    iat,
    exp: iat + 3600,
    'cognito:username': username,
    'cognito:groups': ['nurses'],
    'cognito:roles': [NURSES],
    'cognito:preferred_role': NURSES,
    email: `${username}@hospital.example`,
    ...options.claims,
  };
  for (const name of options.omit ?? []) Reflect.deleteProperty(claims, name);
  const key = options.key ?? idKey;
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
}

async function accessToken(username: string): Promise<string> {
  const iat = nowSec();
  return new SignJWT({
    sub: `sub-${username}`,
    client_id: CLIENT_ID,
    iss: issuer,
    token_use: 'access',
    scope: 'openid email',
    username,
    'cognito:groups': ['nurses'],
    auth_time: iat,
    iat,
    exp: iat + 3600,
    jti: 'jti-1',
  })
    .setProtectedHeader({ alg: 'RS256', kid: accessKey.kid })
    .sign(accessKey.privateKey);
}

const logins = (token: string, key = LOGINS_KEY): Record<string, string> => ({ [key]: token });

async function getId(r: Running, loginMap?: Record<string, string>): Promise<string> {
  const out = await r.client.send(new GetIdCommand({ IdentityPoolId: POOL_ID, Logins: loginMap }));
  expect(out.IdentityId).toMatch(IDENTITY_ID);
  return out.IdentityId!;
}

function creds(r: Running, IdentityId: string, loginMap?: Record<string, string>, CustomRoleArn?: string): Promise<GetCredentialsForIdentityCommandOutput> {
  return r.client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: loginMap, CustomRoleArn }));
}

/** Resolves to the error the promise rejects with (fails if it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

function roleOf(r: Running, out: GetCredentialsForIdentityCommandOutput): string | undefined {
  return r.pool.describeCredentials(out.Credentials!.AccessKeyId!)?.roleArn;
}

let main: Running;

beforeAll(async () => {
  issuer = `http://127.0.0.1:9/${USER_POOL}`; // the real `iss` (local form); the Logins key maps to it
  idKey = await makeKey('id-key-1');
  accessKey = await makeKey('access-key-1');
  published.push(idKey.publicJwk, accessKey.publicJwk);
  main = await startPool();
});

afterAll(async () => {
  for (const r of running) {
    r.client.destroy();
    await new Promise<void>((resolve) => r.server.close(() => resolve()));
  }
});

describe('guests', () => {
  it('GetId without Logins gives a guest identity, and credentials from the unauthenticated role for 1 hour', async () => {
    const id = await getId(main);
    expect(main.pool.identities().get(id)).toEqual({ logins: [], guest: true });

    const out = await creds(main, id);
    expect(out.IdentityId).toBe(id);
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(c.SecretKey).toHaveLength(40);
    expect(c.SessionToken!.length).toBeGreaterThan(200);
    expect(c.Expiration).toBeInstanceOf(Date);
    expect(c.Expiration!.getTime()).toBe((nowSec() + 3600) * 1000);

    expect(main.pool.describeCredentials(c.AccessKeyId!)).toEqual({
      identityId: id,
      roleArn: GUEST_ROLE,
      authenticated: false,
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretKey,
      sessionToken: c.SessionToken,
      expiresAt: (nowSec() + 3600) * 1000,
    });
    expect(main.pool.describeCredentials('ASIAAAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('the SDK calls these operations unsigned (no credentials configured, no Authorization header)', async () => {
    const before = seenAuthorization.length;
    await creds(main, await getId(main));
    await main.client.send(new GetOpenIdTokenCommand({ IdentityId: await getId(main) }));
    expect(seenAuthorization.length).toBe(before + 4);
    expect(seenAuthorization.slice(before)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('credentials are random and unique per call', async () => {
    const id = await getId(main);
    const all = await Promise.all([1, 2, 3, 4].map(() => creds(main, id)));
    const keys = new Set(all.map((o) => o.Credentials!.AccessKeyId));
    const secrets = new Set(all.map((o) => o.Credentials!.SecretKey));
    const sessions = new Set(all.map((o) => o.Credentials!.SessionToken));
    expect([keys.size, secrets.size, sessions.size]).toEqual([4, 4, 4]);
  });

  it('are refused when the pool does not allow unauthenticated identities', async () => {
    const closed = await startPool({ allowUnauthenticated: false });
    const err = await rejection(closed.client.send(new GetIdCommand({ IdentityPoolId: POOL_ID })));
    expect(err).toBeInstanceOf(NotAuthorizedException);
    expect(err.message).toBe('Unauthenticated access is not supported for this identity pool.');
    // Signed-in users still get in.
    const id = await getId(closed, logins(await idToken('closed-pool-user')));
    expect((await creds(closed, id, logins(await idToken('closed-pool-user')))).IdentityId).toBe(id);
  });

  it('a pool without an unauthenticated role answers InvalidIdentityPoolConfigurationException', async () => {
    const noGuestRole = await startPool({ unauthenticatedRoleArn: undefined });
    const id = await getId(noGuestRole);
    const err = await rejection(creds(noGuestRole, id));
    expect(err).toBeInstanceOf(InvalidIdentityPoolConfigurationException);
    expect(err.message).toMatch(/^Invalid identity pool configuration\. Check assigned IAM roles for this pool\..*unauthenticated/);
  });
});

describe('time (the pool reads the injected clock)', () => {
  it('a token valid at sign-in is refused once it is more than 5 minutes past exp; credentials expire 1 h after the call', async () => {
    const token = await idToken('tess'); // exp = now + 3600
    const id = await getId(main, logins(token));
    const start = nowMs;
    try {
      nowMs = start + (3600 + 299) * 1000;
      const late = await creds(main, id, logins(token));
      expect(late.Credentials!.Expiration!.getTime()).toBe((nowSec() + 3600) * 1000);
      nowMs = start + (3600 + 300) * 1000;
      const err = await rejection(creds(main, id, logins(token)));
      expect(err).toBeInstanceOf(NotAuthorizedException);
      expect(err.message).toMatch(/^Invalid login token\. Token expired: /);
    } finally {
      nowMs = start;
    }
  });
});

describe('requests the service rejects', () => {
  it('unknown pool -> ResourceNotFoundException; malformed pool id -> ValidationException', async () => {
    const other = 'us-east-1:00000000-0000-4000-8000-000000000000';
    const err = await rejection(main.client.send(new GetIdCommand({ IdentityPoolId: other })));
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect(err.message).toBe(`IdentityPool '${other}' not found.`);

    const bad = await rejection(main.client.send(new GetIdCommand({ IdentityPoolId: 'us-east-1_LocalPool' })));
    expect(bad).toBeInstanceOf(CognitoIdentityServiceException);
    expect(bad.name).toBe('ValidationException');
    expect(bad.message).toBe(
      "1 validation error detected: Value 'us-east-1_LocalPool' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+",
    );
  });

  it('unknown identity -> ResourceNotFoundException (with and without Logins)', async () => {
    const ghost = 'us-east-1:11111111-2222-4333-8444-555555555555';
    const e1 = await rejection(creds(main, ghost));
    expect(e1).toBeInstanceOf(ResourceNotFoundException);
    expect(e1.message).toBe(`Identity '${ghost}' not found.`);
    const e2 = await rejection(creds(main, ghost, logins(await idToken('ghost'))));
    expect(e2).toBeInstanceOf(ResourceNotFoundException);
    const e3 = await rejection(main.client.send(new GetOpenIdTokenCommand({ IdentityId: ghost })));
    expect(e3).toBeInstanceOf(ResourceNotFoundException);
  });

  it('speaks AWS JSON 1.1 on the wire: typed error body + x-amzn-ErrorType, unknown operations refused', async () => {
    const post = (target: string, body: unknown) =>
      fetch(`${main.endpoint}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': target },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const denied = await post('AWSCognitoIdentityService.GetId', { IdentityPoolId: POOL_ID, Logins: { 'accounts.example.com': 'x' } });
    expect(denied.status).toBe(400);
    expect(denied.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(denied.headers.get('x-amzn-errortype')).toMatch(/^NotAuthorizedException:/);
    expect(await denied.json()).toEqual({ __type: 'NotAuthorizedException', message: 'Token is not from a supported provider of this identity pool.' });

    const unknown = await post('AWSCognitoIdentityService.DeleteIdentityPool', { IdentityPoolId: POOL_ID });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');

    const garbage = await post('AWSCognitoIdentityService.GetId', '{not json');
    expect(((await garbage.json()) as { __type: string }).__type).toBe('SerializationException');

    const missing = await post('AWSCognitoIdentityService.GetCredentialsForIdentity', {});
    expect(await missing.json()).toEqual({
      __type: 'ValidationException',
      message: "1 validation error detected: Value null at 'identityId' failed to satisfy constraint: Member must not be null",
    });

    const id = ((await (await post('AWSCognitoIdentityService.GetId', { IdentityPoolId: POOL_ID })).json()) as { IdentityId: string }).IdentityId;
    const ok = (await (await post('AWSCognitoIdentityService.GetCredentialsForIdentity', { IdentityId: id })).json()) as {
      Credentials: { Expiration: unknown };
    };
    expect(ok.Credentials.Expiration).toBe(nowSec() + 3600); // epoch seconds, a JSON number
  });

  it('sendIdentityPoolError (for fault injection by a front) writes errors the SDK maps to its typed classes', async () => {
    const server = createServer((req, res) => {
      req.resume();
      sendIdentityPoolError(res, 'TooManyRequestsException', 'Rate exceeded');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new CognitoIdentityClient({ region: REGION, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxAttempts: 1 });
    try {
      const err = await rejection(client.send(new GetIdCommand({ IdentityPoolId: POOL_ID })));
      expect(err).toBeInstanceOf(TooManyRequestsException);
      expect(err.message).toBe('Rate exceeded');
    } finally {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('signed-in users', () => {
  it('GetId with Logins returns the same identity for the same user; credentials use cognito:preferred_role', async () => {
    const token = await idToken('nurse.ana');
    const id = await getId(main, logins(token));
    expect(await getId(main, logins(await idToken('nurse.ana')))).toBe(id);
    expect(await getId(main, logins(await idToken('nurse.ben')))).not.toBe(id);
    expect(main.pool.identities().get(id)).toEqual({ logins: [LOGINS_KEY], guest: false });

    const out = await creds(main, id, logins(token));
    expect(out.IdentityId).toBe(id);
    expect(roleOf(main, out)).toBe(NURSES);
    expect(main.pool.describeCredentials(out.Credentials!.AccessKeyId!)?.authenticated).toBe(true);
  });

  it('concurrent first sign-ins of the same user end with one identity', async () => {
    const ids = await Promise.all([1, 2, 3, 4, 5].map(async () => getId(main, logins(await idToken('sam')))));
    expect(new Set(ids).size).toBe(1);
  });

  it('an authenticated identity needs one of its own logins ("Access to Identity ... is forbidden", "Logins don\'t match")', async () => {
    const id = await getId(main, logins(await idToken('nurse.cara')));
    const msg = "Logins don't match. Please include at least one valid login for this identity or identity pool.";
    // Without Logins, Cognito's own wording (aws-amplify/aws-sdk-android#2964, aws/aws-sdk-js#1212).
    const noLogins = await rejection(creds(main, id));
    expect(noLogins).toBeInstanceOf(NotAuthorizedException);
    expect(noLogins.message).toBe(`Access to Identity '${id}' is forbidden.`);
    // The next person on the shared terminal must not get the previous user's identity.
    const otherUser = await rejection(creds(main, id, logins(await idToken('nurse.dan'))));
    expect(otherUser).toBeInstanceOf(NotAuthorizedException);
    expect(otherUser.message).toBe(msg);
    const openId = await rejection(main.client.send(new GetOpenIdTokenCommand({ IdentityId: id })));
    expect(openId).toBeInstanceOf(NotAuthorizedException);
  });

  it('CustomRoleArn is honoured only when it is one of the token\'s cognito:roles', async () => {
    const token = await idToken('charge.eva', {
      claims: { 'cognito:groups': ['nurses', 'charge-nurses'], 'cognito:roles': [NURSES, CHARGE], 'cognito:preferred_role': CHARGE },
    });
    const id = await getId(main, logins(token));
    expect(roleOf(main, await creds(main, id, logins(token)))).toBe(CHARGE);
    expect(roleOf(main, await creds(main, id, logins(token), NURSES))).toBe(NURSES);
    const err = await rejection(creds(main, id, logins(token), role('ItAdmins')));
    expect(err).toBeInstanceOf(NotAuthorizedException);
    expect(err.message).toMatch(/CustomRoleArn/);
  });

  it('no preferred role (tie) -> ambiguous resolution: AuthenticatedRole gives the default role, Deny refuses', async () => {
    const tie = { 'cognito:groups': ['nurses', 'surgeons'], 'cognito:roles': [NURSES, role('Surgeons')] };
    const token = await idToken('tie.fay', { claims: tie, omit: ['cognito:preferred_role'] });
    const id = await getId(main, logins(token));
    expect(roleOf(main, await creds(main, id, logins(token)))).toBe(AUTH_ROLE);

    const deny = await startPool({}, { type: 'Token', ambiguousRoleResolution: 'Deny' });
    const denyId = await getId(deny, logins(token));
    const err = await rejection(creds(deny, denyId, logins(token)));
    expect(err).toBeInstanceOf(NotAuthorizedException);
    expect(err.message).toBe(`The ambiguous role mapping rules for: ${LOGINS_KEY} denied this request.`);
    // With a preferred role the Deny pool still answers.
    const preferred = await idToken('tie.fay');
    expect(roleOf(deny, await creds(deny, denyId, logins(preferred)))).toBe(NURSES);

    const noAuthRole = await startPool({ authenticatedRoleArn: undefined });
    const nid = await getId(noAuthRole, logins(token));
    const cfg = await rejection(creds(noAuthRole, nid, logins(token)));
    expect(cfg).toBeInstanceOf(InvalidIdentityPoolConfigurationException);
    expect(cfg.message).toMatch(/authenticated role/);
  });

  it('Rules mapping: the first matching rule wins, array claims match by element, no match -> ambiguous', async () => {
    const rules: RoleMapping = {
      type: 'Rules',
      ambiguousRoleResolution: 'Deny',
      rules: [
        { claim: 'cognito:groups', matchType: 'Contains', value: 'charge-nurses', roleArn: CHARGE },
        { claim: 'cognito:username', matchType: 'StartsWith', value: 'surg.', roleArn: role('Surgeons') },
        { claim: 'custom:unit', matchType: 'Equals', value: 'OR-3', roleArn: role('Or3') },
        { claim: 'custom:unit', matchType: 'NotEqual', value: 'OR-3', roleArn: role('OtherUnits') },
      ],
    };
    const r = await startPool({}, rules);
    const roleFor = async (username: string, claims: Record<string, unknown>, omit: string[] = []): Promise<string | undefined> => {
      const token = await idToken(username, { claims, omit });
      const id = await getId(r, logins(token));
      return roleOf(r, await creds(r, id, logins(token)));
    };
    // The preferred role in the token is ignored by Rules mapping.
    expect(await roleFor('gus', { 'cognito:groups': ['nurses', 'charge-nurses'], 'custom:unit': 'OR-3' })).toBe(CHARGE);
    expect(await roleFor('surg.hal', { 'custom:unit': 'OR-3' })).toBe(role('Surgeons'));
    expect(await roleFor('ida', { 'custom:unit': 'OR-3' })).toBe(role('Or3'));
    expect(await roleFor('jon', { 'custom:unit': 'ICU' })).toBe(role('OtherUnits'));
    // 'Contains' on an array is element equality: 'charge' is not an element.
    const err = await rejection(roleFor('kim', { 'cognito:groups': ['charge'] }, ['custom:unit']));
    expect(err).toBeInstanceOf(NotAuthorizedException);
    expect(err.message).toMatch(/ambiguous role mapping rules/);
  });
});

describe('Logins validation', () => {
  const expectRefused = async (loginMap: Record<string, string>, message: string | RegExp): Promise<void> => {
    for (const call of [() => main.client.send(new GetIdCommand({ IdentityPoolId: POOL_ID, Logins: loginMap })), async () => creds(main, await getId(main), loginMap)]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(NotAuthorizedException);
      if (typeof message === 'string') expect(err.message).toBe(message);
      else expect(err.message).toMatch(message);
      // No token material in the message.
      for (const token of Object.values(loginMap)) expect(err.message).not.toContain(token.split('.')[2] ?? token);
    }
  };

  it('tampered signature or payload -> "Couldn\'t verify signed token."', async () => {
    const token = await idToken('lea');
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = s.slice(0, -4) + (s.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expectRefused(logins(`${h}.${p}.${flipped}`), "Invalid login token. Couldn't verify signed token.");
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), 'cognito:preferred_role': role('ItAdmins') })).toString('base64url');
    await expectRefused(logins(`${h}.${forged}.${s}`), "Invalid login token. Couldn't verify signed token.");
    // Signed by a key that the user pool never published (same kid as the real one).
    const stranger = await makeKey(idKey.kid);
    await expectRefused(logins(await idToken('lea', { key: stranger })), "Invalid login token. Couldn't verify signed token.");
  });

  it('expired beyond the 5 minute skew is refused; within the skew accepted', async () => {
    const within = await idToken('max', { claims: { exp: nowSec() - 299 } });
    const id = await getId(main, logins(within));
    expect((await creds(main, id, logins(within))).IdentityId).toBe(id);

    const exp = nowSec() - 301;
    await expectRefused(logins(await idToken('max', { claims: { exp } })), `Invalid login token. Token expired: ${nowSec()} >= ${exp}`);
  });

  it('wrong issuer, wrong audience, access token, unknown provider key', async () => {
    await expectRefused(logins(await idToken('ned', { claims: { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' } })), "Invalid login token. Issuer doesn't match providerName");
    await expectRefused(logins(await idToken('ned', { claims: { aud: 'some-other-client' } })), 'Invalid login token. Incorrect token audience.');
    await expectRefused(logins(await accessToken('ned')), 'Invalid login token. Missing a required claim: aud');
    await expectRefused(logins(await idToken('ned', { claims: { token_use: 'access' } })), /not an ID token/);
    await expectRefused(logins(await idToken('ned'), 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Other'), 'Token is not from a supported provider of this identity pool.');
    await expectRefused(logins('not-a-jwt'), /^Invalid login token\./);
  });

  it('a token signed with a rotated-in key (unknown kid) makes the pool re-read the JWKS, then it is accepted', async () => {
    const token = await idToken('olga');
    await getId(main, logins(token)); // keys cached
    const readsBefore = jwksReads;
    await getId(main, logins(token));
    expect(jwksReads).toBe(readsBefore); // known kid: no re-read

    const rotated = await makeKey('id-key-2');
    published.push(rotated.publicJwk);
    const id = await getId(main, logins(await idToken('olga', { key: rotated })));
    expect(jwksReads).toBe(readsBefore + 1);
    expect((await creds(main, id, logins(await idToken('olga', { key: rotated })))).IdentityId).toBe(id);
    expect(jwksReads).toBe(readsBefore + 1);

    // A kid that is still unknown after one re-read is refused.
    const ghost = await makeKey('id-key-never-published');
    await expectRefused(logins(await idToken('olga', { key: ghost })), "Invalid login token. Couldn't verify signed token.");
  });
});

describe('linking and merging', () => {
  it('a guest that signs in keeps its IdentityId (the login is linked to it)', async () => {
    const guest = await getId(main);
    const token = await idToken('pia');
    const out = await creds(main, guest, logins(token));
    expect(out.IdentityId).toBe(guest);
    expect(roleOf(main, out)).toBe(NURSES);
    expect(main.pool.identities().get(guest)).toEqual({ logins: [LOGINS_KEY], guest: false });
    // From now on the user's GetId finds this identity, and it no longer works without Logins.
    expect(await getId(main, logins(await idToken('pia')))).toBe(guest);
    expect(await rejection(creds(main, guest))).toBeInstanceOf(NotAuthorizedException);
  });

  it('a guest whose login already has an identity is merged into it: the other id is returned, the guest id is gone', async () => {
    const token = await idToken('quinn');
    const existing = await getId(main, logins(token));
    const guest = await getId(main);

    const out = await creds(main, guest, logins(token));
    expect(out.IdentityId).toBe(existing);
    expect(main.pool.identities().has(guest)).toBe(false);
    expect(main.pool.describeCredentials(out.Credentials!.AccessKeyId!)?.identityId).toBe(existing);

    const gone = await rejection(creds(main, guest));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(gone.message).toBe(`Identity '${guest}' not found.`);
  });

  it('GetOpenIdToken links like GetCredentialsForIdentity and its token verifies with the pool\'s key', async () => {
    const guest = await getId(main);
    const guestToken = await main.client.send(new GetOpenIdTokenCommand({ IdentityId: guest }));
    const jwks = createLocalJWKSet(await main.pool.openIdTokenJwks());
    const verifyOptions = { issuer: OPENID_TOKEN_ISSUER, audience: POOL_ID, currentDate: new Date(nowMs) };
    const g = await jwtVerify(guestToken.Token!, jwks, verifyOptions);
    expect(g.payload.sub).toBe(guest);
    expect(g.payload.amr).toEqual(['unauthenticated']);
    expect(g.payload.exp! - g.payload.iat!).toBe(600);
    expect(g.protectedHeader.alg).toBe('RS256');

    const out = await main.client.send(new GetOpenIdTokenCommand({ IdentityId: guest, Logins: logins(await idToken('rui')) }));
    expect(out.IdentityId).toBe(guest);
    const a = await jwtVerify(out.Token!, jwks, verifyOptions);
    expect(a.payload.sub).toBe(guest);
    expect(a.payload.amr).toEqual(['authenticated', LOGINS_KEY, `${LOGINS_KEY}:CognitoSignIn:sub-rui`]);

    // Another pool's key does not verify it.
    const other = await startPool();
    await expect(jwtVerify(out.Token!, createLocalJWKSet(await other.pool.openIdTokenJwks()), verifyOptions)).rejects.toThrow();
  });
});
