/**
 * local-cognito's user pool as a Cognito-shaped OpenID provider, driven by openid-client 6 and
 * headless Chromium acting as the system browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ConfigSchema } from '../../main/config/schema';
import { launchChromium } from '../support/browser';
import {
  buildAuthorization,
  demoUser,
  jwtHeader,
  jwtPayload,
  oidcConfig,
  postForm,
  signIn,
  withLocalCognito,
  type LocalCognito,
} from '../support/local-cognito';

let lc: LocalCognito;
let browser: Browser;
let config: client.Configuration;

beforeAll(async () => {
  lc = await withLocalCognito();
  browser = await launchChromium();
  config = await oidcConfig(lc);
});

afterAll(async () => {
  await browser.close();
  await lc.stop();
});

const roles = (...names: string[]) => names.map((n) => `arn:aws:iam::000000000000:role/ScrubIn-${n}`);

describe('discovery and configuration', () => {
  it('serves a Cognito-shaped discovery document at /<poolId>/.well-known/openid-configuration', async () => {
    const res = await fetch(`${lc.origin}/us-east-1_LocalPool/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toEqual({
      authorization_endpoint: `${lc.origin}/oauth2/authorize`,
      end_session_endpoint: `${lc.origin}/logout`,
      id_token_signing_alg_values_supported: ['RS256'],
      issuer: `${lc.origin}/us-east-1_LocalPool`,
      jwks_uri: `${lc.origin}/us-east-1_LocalPool/.well-known/jwks.json`,
      response_types_supported: ['code', 'token'],
      revocation_endpoint: `${lc.origin}/oauth2/revoke`,
      scopes_supported: ['openid', 'email', 'phone', 'profile'],
      subject_types_supported: ['public'],
      token_endpoint: `${lc.origin}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      userinfo_endpoint: `${lc.origin}/oauth2/userInfo`,
    });
    expect(doc).not.toHaveProperty('code_challenge_methods_supported');
    expect(lc.issuer).toBe(doc.issuer);
  });

  it('publishes two RS256 keys (ID and access tokens) and binds to 127.0.0.1', async () => {
    expect(lc.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const jwks = (await (await fetch(`${lc.issuer}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('emits a Scrub In config that validates with ConfigSchema', () => {
    const parsed = ConfigSchema.parse(lc.config);
    expect(parsed.userPool).toMatchObject({ issuer: lc.issuer, clientId: 'scrubinlocalclient00000001', domain: lc.origin });
    expect(parsed.identityPool).toMatchObject({ id: 'us-east-1:7c1a9e4e-5c1b-4f3e-9a55-0d1c0ffee001', region: 'us-east-1', endpoint: lc.origin, allowGuest: true });
    expect(parsed.redirectUri).toBe('app.scrubin:/callback');
    expect(parsed.logoutUri).toBe('app.scrubin:/signed-out');
    expect(lc.loginsKey).toBe('cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool');
  });

  it('does not expose oidc-provider routes Cognito does not have', async () => {
    expect((await fetch(`${lc.origin}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await fetch(`${lc.origin}/__oidc/me`)).status).toBe(404);
    expect((await fetch(`${lc.origin}/__admin/counts`)).status).toBe(404);
  });
});

describe('authorization code flow with PKCE', () => {
  it('signs the nurse in through managed login and returns Cognito-shaped tokens', async () => {
    const context = await browser.newContext();
    const { tokens, formShown, callbackUrl } = await signIn(lc, config, context, demoUser('nurse'));
    await context.close();
    expect(formShown).toBe(true);
    const cb = new URL(callbackUrl);
    expect(`${cb.protocol}${cb.pathname}`).toBe('app.scrubin:/callback');
    expect(cb.searchParams.has('iss')).toBe(false);
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'token_type']);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);

    const jwks = createRemoteJWKSet(new URL(`${lc.issuer}/.well-known/jwks.json`));
    const id = await jwtVerify(tokens.id_token!, jwks, { issuer: lc.issuer, audience: lc.clientId, algorithms: ['RS256'] });
    expect(id.payload).toMatchObject({
      token_use: 'id',
      'cognito:username': 'nurse',
      'cognito:groups': ['nurses'],
      'cognito:roles': roles('Nurses'),
      'cognito:preferred_role': roles('Nurses')[0],
      email: 'nurse@or.example.org',
      name: 'Nora Hale',
    });
    expect(typeof id.payload.auth_time).toBe('number');
    expect(typeof id.payload.at_hash).toBe('string');
    expect(typeof id.payload.nonce).toBe('string');

    const access = await jwtVerify(tokens.access_token, jwks, { issuer: lc.issuer, algorithms: ['RS256'] });
    expect(access.payload).toMatchObject({ client_id: lc.clientId, token_use: 'access', username: 'nurse', 'cognito:groups': ['nurses'] });
    expect(String(access.payload.scope).split(' ').sort()).toEqual(['email', 'openid', 'profile']);
    // Cognito's access token has no `aud` (so the identity pool refuses it in Logins) and no `typ` header.
    expect(access.payload).not.toHaveProperty('aud');
    expect(jwtHeader(tokens.access_token)).not.toHaveProperty('typ');
    expect(jwtHeader(tokens.id_token!).kid).not.toBe(jwtHeader(tokens.access_token).kid);

    // userInfo, with Cognito's string booleans.
    const info = await client.fetchUserInfo(config, tokens.access_token, id.payload.sub!);
    expect(info).toMatchObject({ sub: id.payload.sub, email: 'nurse@or.example.org', email_verified: 'true', username: 'nurse' });
  });

  it.each([
    ['surgeon', ['surgeons'], roles('Surgeons'), roles('Surgeons')[0]],
    ['anesthesiologist', ['anesthesiologists'], roles('Anesthesiologists'), roles('Anesthesiologists')[0]],
    ['itadmin', ['it-admins'], roles('ItAdmins'), roles('ItAdmins')[0]],
    ['charge', ['nurses', 'charge-nurses'], roles('Nurses', 'ChargeNurses'), roles('ChargeNurses')[0]],
    ['float', ['nurses', 'surgeons'], roles('Nurses', 'Surgeons'), undefined],
  ])('issues the group claims of %s (preferred role by precedence, none on a tie)', async (username, groups, roleArns, preferred) => {
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser(username));
    await context.close();
    const claims = tokens.claims()!;
    expect(claims['cognito:username']).toBe(username);
    expect(claims['cognito:groups']).toEqual(groups);
    expect(claims['cognito:roles']).toEqual(roleArns);
    if (preferred) expect(claims['cognito:preferred_role']).toBe(preferred);
    else expect(claims).not.toHaveProperty('cognito:preferred_role');
  });

  it('with strict PKCE (stricter than Cognito, which makes PKCE optional), rejects an authorization request without it', async () => {
    const strictPkce = await withLocalCognito({ strict: { pkce: true } });
    try {
      const url = new URL(`${strictPkce.origin}/oauth2/authorize`);
      url.search = new URLSearchParams({ client_id: strictPkce.clientId, response_type: 'code', redirect_uri: 'app.scrubin:/callback', scope: 'openid', state: 's1' }).toString();
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('state')).toBe('s1');
    } finally {
      await strictPkce.stop();
    }
  });

  it('refuses a code used twice (invalid_grant)', async () => {
    const context = await browser.newContext();
    const pending = await buildAuthorization(config, lc);
    const { callbackUrl, page } = await (await import('../support/browser')).completeManagedLogin(context, pending.url.href, 'app.scrubin:/callback', demoUser('nurse'));
    await page.close();
    await context.close();
    const code = new URL(callbackUrl).searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', code, redirect_uri: 'app.scrubin:/callback', client_id: lc.clientId, code_verifier: pending.verifier };
    expect((await postForm(`${lc.origin}/oauth2/token`, form)).status).toBe(200);
    const again = await postForm(`${lc.origin}/oauth2/token`, form);
    expect(again.status).toBe(400);
    expect(again.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('refresh and revoke (rotation off, the default)', () => {
  it('refresh returns id and access tokens only, keeps auth_time, and the old refresh token keeps working', async () => {
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('charge'));
    await context.close();
    const refreshToken = tokens.refresh_token!;
    const first = await client.refreshTokenGrant(config, refreshToken);
    expect(first.refresh_token).toBeUndefined();
    expect(first.id_token).toBeTruthy();
    expect(first.access_token).toBeTruthy();
    expect(first.claims()!.auth_time).toBe(tokens.claims()!.auth_time);
    expect(first.claims()!['cognito:preferred_role']).toBe(roles('ChargeNurses')[0]);
    const second = await client.refreshTokenGrant(config, refreshToken);
    expect(second.refresh_token).toBeUndefined();
    expect(jwtPayload(second.access_token).token_use).toBe('access');
  });

  it('revoke ends the refresh token (refresh then fails with invalid_grant); unknown tokens get 200', async () => {
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('nurse'));
    await context.close();
    const revoke = await postForm(`${lc.origin}/oauth2/revoke`, { token: tokens.refresh_token!, client_id: lc.clientId });
    expect(revoke.status).toBe(200);
    expect(revoke.body).toBe('');
    const refresh = await postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: lc.clientId });
    expect(refresh.status).toBe(400);
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The access tokens of that grant are gone too.
    const info = await fetch(`${lc.origin}/oauth2/userInfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(401);

    const unknown = await postForm(`${lc.origin}/oauth2/revoke`, { token: 'not-a-token-we-know', client_id: lc.clientId });
    expect(unknown.status).toBe(200);
    const again = await postForm(`${lc.origin}/oauth2/revoke`, { token: tokens.refresh_token!, client_id: lc.clientId });
    expect(again.status).toBe(200);
  });

  it('refuses to revoke a JWT (ID or access token) with unsupported_token_type', async () => {
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('surgeon'));
    await context.close();
    const res = await postForm(`${lc.origin}/oauth2/revoke`, { token: tokens.access_token, client_id: lc.clientId });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'unsupported_token_type' });
  });
});

describe('managed login session, logout and prompt=login', () => {
  it('a second authorize in the same browser skips the form; after /logout the form is shown again', async () => {
    const context = await browser.newContext();
    const first = await signIn(lc, config, context, demoUser('nurse'));
    expect(first.formShown).toBe(true);
    const second = await signIn(lc, config, context);
    expect(second.formShown).toBe(false);
    expect(second.tokens.claims()!['cognito:username']).toBe('nurse');
    expect(second.tokens.claims()!.auth_time).toBe(first.tokens.claims()!.auth_time);

    const page = await context.newPage();
    const redirect = page.waitForRequest((r) => r.url().startsWith('app.scrubin:/signed-out'));
    void page.goto(`${lc.origin}/logout?client_id=${lc.clientId}&logout_uri=${encodeURIComponent('app.scrubin:/signed-out')}`).catch(() => undefined);
    expect((await redirect).url()).toBe('app.scrubin:/signed-out');
    await page.close();
    expect((await context.cookies()).map((c) => c.name)).not.toContain('cognito');

    const third = await signIn(lc, config, context, demoUser('surgeon'));
    expect(third.formShown).toBe(true);
    expect(third.tokens.claims()!['cognito:username']).toBe('surgeon');
    // Logout does not revoke tokens (Cognito behaviour).
    expect((await client.refreshTokenGrant(config, first.tokens.refresh_token!)).id_token).toBeTruthy();
    await context.close();
  });

  it('/logout refuses a wrong client_id or an unregistered logout_uri with an HTML error page', async () => {
    const wrongClient = await fetch(`${lc.origin}/logout?client_id=nope&logout_uri=${encodeURIComponent('app.scrubin:/signed-out')}`, { redirect: 'manual' });
    expect(wrongClient.status).toBe(400);
    expect(wrongClient.headers.get('content-type')).toMatch(/text\/html/);
    const wrongUri = await fetch(`${lc.origin}/logout?client_id=${lc.clientId}&logout_uri=${encodeURIComponent('https://evil.example/')}`, { redirect: 'manual' });
    expect(wrongUri.status).toBe(400);
    expect(await wrongUri.text()).toContain('logout_uri');
  });

  it('prompt=login forces the form even with a live session cookie', async () => {
    const context = await browser.newContext();
    const nurse = await signIn(lc, config, context, demoUser('nurse'));
    const forced = await signIn(lc, config, context, demoUser('anesthesiologist'), { prompt: 'login' });
    expect(forced.formShown).toBe(true);
    expect(forced.tokens.claims()!['cognito:username']).toBe('anesthesiologist');
    // The browser session now belongs to the anesthesiologist; the nurse's refresh token still works.
    expect((await signIn(lc, config, context)).tokens.claims()!['cognito:username']).toBe('anesthesiologist');
    expect((await client.refreshTokenGrant(config, nurse.tokens.refresh_token!)).claims()!['cognito:username']).toBe('nurse');
    // Same user again with prompt=login: the form is shown, auth_time moves on.
    const again = await signIn(lc, config, context, demoUser('anesthesiologist'), { prompt: 'login' });
    expect(again.formShown).toBe(true);
    await context.close();
  });

  it('login_hint prefills the username', async () => {
    const context = await browser.newContext();
    const pending = await buildAuthorization(config, lc, { login_hint: 'surgeon' });
    const page = await context.newPage();
    await page.goto(pending.url.href);
    await expect.poll(() => page.inputValue('input[name="username"]')).toBe('surgeon');
    await context.close();
  });

  it('shows a visible error for a bad password and keeps the form', async () => {
    const context = await browser.newContext();
    const pending = await buildAuthorization(config, lc);
    const page = await context.newPage();
    await page.goto(pending.url.href);
    await page.fill('input[name="username"]', 'nurse');
    await page.fill('input[name="password"]', 'wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Incorrect username or password.');
    expect(await page.locator('input[name="password"]').count()).toBe(1);
    await context.close();
  });

  it('refuses the disabled user with "User is disabled."', async () => {
    const context = await browser.newContext();
    const pending = await buildAuthorization(config, lc);
    const page = await context.newPage();
    await page.goto(pending.url.href);
    await page.fill('input[name="username"]', 'disabled');
    await page.fill('input[name="password"]', demoUser('disabled').password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('User is disabled.');
    await context.close();
  });

  it('identity_provider=HospitalSSO shows the simulated-SSO banner; an unknown IdP is an invalid_request redirect', async () => {
    const context = await browser.newContext();
    const pending = await buildAuthorization(config, lc, { identity_provider: 'HospitalSSO' });
    const page = await context.newPage();
    await page.goto(pending.url.href);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Hospital SSO (simulated)');
    await context.close();

    const unknown = await buildAuthorization(config, lc, { identity_provider: 'NoSuchIdP' });
    const res = await fetch(unknown.url, { redirect: 'manual' });
    const location = new URL(res.headers.get('location')!);
    expect(`${location.protocol}${location.pathname}`).toBe('app.scrubin:/callback');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe(unknown.state);
  });
});
