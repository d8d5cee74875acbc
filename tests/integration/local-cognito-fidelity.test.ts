/**
 * local-cognito behaves as Amazon Cognito does where a client could tell the difference: one test per row
 * of the fidelity table in docs/local-cognito.md, each naming its source. The browser part of each sign-in
 * is driven over HTTP (bench/http-login.ts); the real browser journey is in local-cognito-oidc.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand, NotAuthorizedException } from '@aws-sdk/client-cognito-identity';
import { httpLogin } from '../../bench/http-login';
import { jwtHeader, jwtPayload, postForm, withLocalCognito, type LocalCognito } from '../support/local-cognito';

const REDIRECT = 'app.scrubin:/callback';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let lc: LocalCognito;
let strict: LocalCognito;

beforeAll(async () => {
  [lc, strict] = await Promise.all([withLocalCognito(), withLocalCognito({ strict: true })]);
});

afterAll(async () => {
  await Promise.all([lc.stop(), strict.stop()]);
});

interface Pkce {
  verifier: string;
  challenge: string;
}

function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** An authorize URL of the registered client; `params` set or (with `undefined`) remove parameters. */
function authorizeUrl(on: LocalCognito, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams({ client_id: on.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid email profile', state: 'st-1' });
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) query.delete(k);
    else query.set(k, v);
  }
  return `${on.origin}/oauth2/authorize?${query.toString()}`;
}

/** Signs `username` in over HTTP and returns the code (and the PKCE pair used, if any). */
async function signInCode(on: LocalCognito, params: Record<string, string | undefined> = {}, username = 'nurse'): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const callback = await httpLogin(authorizeUrl(on, { code_challenge: challenge, code_challenge_method: 'S256', ...params }), { username });
  const code = new URL(callback).searchParams.get('code');
  if (!code) throw new Error(`no code in ${new URL(callback).search}`);
  return { code, verifier };
}

const exchange = (on: LocalCognito, form: Record<string, string>) =>
  postForm(`${on.origin}/oauth2/token`, { grant_type: 'authorization_code', client_id: on.clientId, ...form });

interface TokenSet {
  access_token: string;
  id_token?: string;
  refresh_token: string;
}

async function tokens(on: LocalCognito, params: Record<string, string | undefined> = {}): Promise<TokenSet> {
  const { code, verifier } = await signInCode(on, params);
  const res = await exchange(on, { code, code_verifier: verifier, redirect_uri: REDIRECT });
  expect(res.status).toBe(200);
  return res.json() as TokenSet;
}

async function redirectOf(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  expect([302, 303]).toContain(res.status);
  return new URL(res.headers.get('location') ?? '', url);
}

async function userInfo(on: LocalCognito, accessToken?: string): Promise<{ status: number; challenge: string | null; body: Record<string, unknown> }> {
  const res = await fetch(`${on.origin}/oauth2/userInfo`, accessToken ? { headers: { authorization: `Bearer ${accessToken}` } } : {});
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as Record<string, unknown> };
}

describe('token endpoint', () => {
  // Source: Cognito developer guide, token endpoint: redirect_uri "must be the same redirect_uri that was used
  // to get authorization_code in /oauth2/authorize. Required only if grant_type is authorization_code."
  it('1. refuses a code exchange without redirect_uri (400 invalid_request)', async () => {
    const { code, verifier } = await signInCode(lc);
    const res = await exchange(lc, { code, code_verifier: verifier });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
  });

  // Source: issue #18 (measured against Cognito); RFC 6749 10.5 read as "any attempt is the single use"
  // (oauth-wg/oauth-v2-1#82); Cognito token endpoint doc: invalid_grant = "Authorization code has been consumed already".
  it('2. spends the code on a failed exchange (wrong PKCE verifier): the retry gets invalid_grant', async () => {
    const { code, verifier } = await signInCode(lc);
    const wrong = await exchange(lc, { code, code_verifier: pkce().verifier, redirect_uri: REDIRECT });
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toMatchObject({ error: 'invalid_grant' });
    const retry = await exchange(lc, { code, code_verifier: verifier, redirect_uri: REDIRECT });
    expect(retry.status).toBe(400);
    expect(retry.json()).toMatchObject({ error: 'invalid_grant' });
  });

  // Source: Cognito developer guide, token endpoint: every error is "HTTP/1.1 400 Bad Request" with {"error": ...},
  // invalid_client among them.
  it('5. answers an unknown client_id with 400 and exactly {"error":"invalid_client"}', async () => {
    const { code, verifier } = await signInCode(lc);
    const res = await postForm(`${lc.origin}/oauth2/token`, { grant_type: 'authorization_code', client_id: 'no-such-client', code, code_verifier: verifier, redirect_uri: REDIRECT });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_client' });
  });
});

describe('userInfo', () => {
  // Source: Cognito developer guide, "The user attributes endpoint": the scopes in the access token decide the
  // attributes (openid alone: all readable ones; openid profile: profile attributes; openid email: email, email_verified).
  it('3. returns only the attributes the access token\'s scopes release (no email without the email scope)', async () => {
    const released = async (scope: string) => {
      const set = await tokens(lc, { scope });
      const info = await userInfo(lc, set.access_token);
      expect(info.status).toBe(200);
      return { info: info.body, id: jwtPayload(set.id_token!) };
    };
    const sub = lc.users.find((u) => u.username === 'nurse')?.sub;
    const profile = await released('openid profile');
    expect(profile.info).toEqual({ sub, name: 'Nora Hale', username: 'nurse' });
    expect(profile.id).not.toHaveProperty('email');
    const email = await released('openid email');
    expect(email.info).toEqual({ sub, email: 'nurse@or.example.org', email_verified: 'true', username: 'nurse' });
    expect(email.id).not.toHaveProperty('name');
    const phone = await released('openid phone');
    expect(phone.info).toEqual({ sub, username: 'nurse' });
    const openidOnly = await released('openid');
    expect(openidOnly.info).toMatchObject({ email: 'nurse@or.example.org', email_verified: 'true', name: 'Nora Hale' });
    expect(openidOnly.id).toMatchObject({ email: 'nurse@or.example.org', email_verified: true, name: 'Nora Hale' });
  });

  // Source: Cognito developer guide, "The user attributes endpoint", negative responses: "HTTP/1.1 400 Bad Request,
  // WWW-Authenticate: error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint"".
  it('4. answers a request without a bearer token with 400 invalid_request', async () => {
    const info = await userInfo(lc);
    expect(info.status).toBe(400);
    expect(info.challenge).toContain('error="invalid_request"');
    expect(info.body).toMatchObject({ error: 'invalid_request' });
  });
});

describe('authorize', () => {
  // Source: Cognito developer guide, authorization endpoint, negative responses: a response_type the client is not
  // allowed gets "302 Found Location: https://client_redirect_uri?error=unauthorized_client".
  it('6. redirects response_type=token on a code-only client with ?error=unauthorized_client (query, not fragment)', async () => {
    const location = await redirectOf(authorizeUrl(lc, { response_type: 'token' }));
    expect(`${location.protocol}${location.pathname}`).toBe(REDIRECT);
    expect(location.hash).toBe('');
    expect(location.searchParams.get('error')).toBe('unauthorized_client');
    expect(location.searchParams.get('state')).toBe('st-1');
  });
});

describe('token shapes', () => {
  // Source: Cognito developer guide, "Understanding the access token": header {kid, alg}; the sample payload has
  // client_id and no aud. Real Cognito access tokens (prifina/app-desktop, mocks/authModels.js) look the same.
  it('7. access token: header {kid, alg} only (no typ), payload without aud and with client_id', async () => {
    const set = await tokens(lc);
    expect(Object.keys(jwtHeader(set.access_token)).sort()).toEqual(['alg', 'kid']);
    const access = jwtPayload(set.access_token);
    expect(access).not.toHaveProperty('aud');
    expect(access).toMatchObject({ client_id: lc.clientId, token_use: 'access' });
    expect(Object.keys(jwtHeader(set.id_token!)).sort()).toEqual(['alg', 'kid']);
  });

  // Source: Cognito developer guide, ID and access token payloads (jti, origin_jti); real Cognito tokens
  // (prifina/app-desktop, mocks/authModels.js): UUIDs, one origin_jti and one event_id for the ID and access token
  // of a sign-in.
  it('8. ID and access tokens carry UUID jti, origin_jti (kept across refreshes) and event_id', async () => {
    const set = await tokens(lc);
    const id = jwtPayload(set.id_token!);
    const access = jwtPayload(set.access_token);
    for (const claims of [id, access]) {
      for (const name of ['jti', 'origin_jti', 'event_id']) expect(claims[name]).toMatch(UUID);
    }
    expect(id.origin_jti).toBe(access.origin_jti);
    expect(id.event_id).toBe(access.event_id);
    expect(id.jti).not.toBe(access.jti);
    const refreshed = await postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: set.refresh_token, client_id: lc.clientId });
    expect(refreshed.status).toBe(200);
    const again = refreshed.json() as TokenSet;
    expect(jwtPayload(again.id_token!).origin_jti).toBe(id.origin_jti);
    expect(jwtPayload(again.access_token).origin_jti).toBe(id.origin_jti);
    expect(jwtPayload(again.id_token!).jti).not.toBe(id.jti);
    // Another sign-in of the same user is another origin.
    expect(jwtPayload((await tokens(lc)).id_token!).origin_jti).not.toBe(id.origin_jti);
  });

  // Source: a real Cognito refresh token (prifina/app-desktop, mocks/authModels.js): 1,734 characters, five
  // base64url parts, header {"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}. It must also fit Windows Credential
  // Manager (2,560 bytes a secret), where Scrub In keeps it.
  it('9. refresh token: an opaque JWE-shaped string of about 1.7 KB that refreshes and revokes', async () => {
    const set = await tokens(lc);
    const parts = set.refresh_token.split('.');
    expect(parts).toHaveLength(5);
    for (const part of parts) expect(part).toMatch(/^[\w-]+$/);
    expect(JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'))).toEqual({ cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' });
    expect(set.refresh_token.length).toBeGreaterThan(1500);
    expect(set.refresh_token.length).toBeLessThan(1900);
    const refresh = () => postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: set.refresh_token, client_id: lc.clientId });
    expect((await refresh()).status).toBe(200);
    expect((await postForm(`${lc.origin}/oauth2/revoke`, { token: set.refresh_token, client_id: lc.clientId })).status).toBe(200);
    const after = await refresh();
    expect(after.status).toBe(400);
    expect(after.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('identity pool', () => {
  // Source: aws-amplify/aws-sdk-android#2964 and aws/aws-sdk-js#1212 (the service's answer, quoted):
  // NotAuthorizedException "Access to Identity '<id>' is forbidden." (HTTP 400).
  it('10. GetCredentialsForIdentity of an authenticated identity without Logins: NotAuthorizedException "Access to Identity ... is forbidden."', async () => {
    const identity = new CognitoIdentityClient({ region: 'us-east-1', endpoint: lc.origin, maxAttempts: 1 });
    try {
      const set = await tokens(lc);
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: lc.identityPoolId, Logins: { [lc.loginsKey]: set.id_token! } }));
      const error = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotAuthorizedException);
      expect((error as NotAuthorizedException).message).toBe(`Access to Identity '${IdentityId!}' is forbidden.`);
      expect((error as NotAuthorizedException).$metadata.httpStatusCode).toBe(400);
    } finally {
      identity.destroy();
    }
  });
});

describe('leniencies of Cognito, and the strict option that refuses them', () => {
  // Source: Cognito developer guide, authorization endpoint: code_challenge_method "Optional", code_challenge
  // "Required only when the code_challenge_method is specified".
  it('PKCE is optional; strict (pkce) refuses an authorization request without it', async () => {
    const callback = await httpLogin(authorizeUrl(lc), { username: 'surgeon' });
    const code = new URL(callback).searchParams.get('code')!;
    expect((await exchange(lc, { code, redirect_uri: REDIRECT })).status).toBe(200);
    const refused = await redirectOf(authorizeUrl(strict));
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('state')).toBe('st-1');
  });

  // Source: Cognito developer guide, authorization endpoint, scope: "If the client doesn't request any scopes, the
  // authentication server uses all scopes associated with the client."
  it('a request without scope gets the client\'s scopes; strict (scope) refuses it', async () => {
    const set = await tokens(lc, { scope: undefined });
    expect(String(jwtPayload(set.access_token).scope).split(' ').sort()).toEqual(['aws.cognito.signin.user.admin', 'email', 'openid', 'phone', 'profile']);
    const refused = await redirectOf(authorizeUrl(strict, { scope: undefined }));
    expect(refused.searchParams.get('error')).toBe('invalid_request');
  });

  // Source: Cognito developer guide, authorization endpoint, scope: "An ID token is only returned if openid scope is
  // requested" (its example: scope=aws.cognito.signin.user.admin); "The phone, email, and profile scopes can only be
  // requested if openid scope is also requested"; userInfo: "The openid scope must be one of the access token claims".
  it('scopes without openid: access and refresh tokens, no ID token, userInfo refused; strict (openid) refuses it', async () => {
    const { code, verifier } = await signInCode(lc, { scope: 'aws.cognito.signin.user.admin email', nonce: 'n-1' });
    const res = await exchange(lc, { code, code_verifier: verifier, redirect_uri: REDIRECT });
    expect(res.status).toBe(200);
    const set = res.json() as TokenSet;
    expect(set.id_token).toBeUndefined();
    expect(set.refresh_token).toBeTruthy();
    expect(jwtPayload(set.access_token).scope).toBe('aws.cognito.signin.user.admin');
    const info = await userInfo(lc, set.access_token);
    expect(info.status).toBe(401);
    expect(info.body).toMatchObject({ error: 'invalid_token' });
    const refused = await redirectOf(authorizeUrl(strict, { scope: 'aws.cognito.signin.user.admin' }));
    expect(refused.searchParams.get('error')).toBe('invalid_request');
  });
});
