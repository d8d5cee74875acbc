/**
 * Code exchange and ID-token validation against the real local-cognito. Tampering is done by a
 * test-only `fetch` passed to createUserPoolAuth (openid-client's customFetch): it rewrites the ID token
 * of the token response, re-signed with a test key that it also appends to the JWKS response, so
 * every claim check (aud, iss, exp, nonce, token_use) is exercised with a valid signature; the
 * "tampered signature" case changes the payload and keeps local-cognito's signature.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { CustomFetch } from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserPoolAuth } from '../../main/auth';
import type { ErrorCode } from '../../main/errors';
import { launchChromium } from '../support/browser';
import { browserLogin, startHarness, type Harness } from './auth-harness';

let h: Harness;
let browser: Browser;
let forgedKey: CryptoKey;
let forgedJwk: JWK;

beforeAll(async () => {
  h = await startHarness();
  browser = await launchChromium();
  const pair = await generateKeyPair('RS256');
  forgedKey = pair.privateKey;
  forgedJwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-forged', alg: 'RS256', use: 'sig' };
});

afterAll(async () => {
  await browser.close();
  await h.stop();
});

beforeEach(() => {
  h.events.length = 0;
  h.lc.admin.resetCounts();
  h.lc.admin.clearFaults();
});

const nurseSub = () => h.lc.users.find((u) => u.username === 'nurse')?.sub ?? '';
const b64json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

type Mutate = (claims: Record<string, unknown>) => Record<string, unknown>;

/** A fetch that rewrites the ID token of code-exchange responses (re-signed, or payload swapped under the old signature). */
function tamperingFetch(mutate: Mutate, mode: 'resign' | 'keep-signature'): CustomFetch {
  return async (url, init) => {
    const res = await fetch(url, init as RequestInit);
    if (url.endsWith('/.well-known/jwks.json') && mode === 'resign') {
      const jwks = (await res.json()) as { keys: JWK[] };
      return Response.json({ keys: [...jwks.keys, forgedJwk] }, { status: res.status, headers: res.headers });
    }
    const isCodeGrant = init.body instanceof URLSearchParams && init.body.get('grant_type') === 'authorization_code';
    if (!url.endsWith('/oauth2/token') || !isCodeGrant || !res.ok) return res;
    const body = (await res.json()) as Record<string, unknown>;
    const [header = '', payload = '', signature = ''] = String(body.id_token).split('.');
    const claims = mutate(b64json(payload));
    body.id_token =
      mode === 'resign'
        ? await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-forged', typ: 'JWT' }).sign(forgedKey)
        : `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(body), { status: res.status, headers });
  };
}

/** Browser part of a sign-in; returns the callback URL to hand to the core. */
async function callbackFor(core: UserPoolAuth): Promise<string> {
  const context = await browser.newContext();
  try {
    const { authorizeUrl } = await core.beginSignIn({ forceLogin: true });
    return await browserLogin(context, authorizeUrl, 'nurse');
  } finally {
    await context.close();
  }
}

const signInWith = async (core: UserPoolAuth) => core.completeSignIn(await callbackFor(core)).then(
  (session) => ({ ok: true as const, session }),
  (error: unknown) => ({ ok: false as const, error }),
);

async function expectRefused(core: UserPoolAuth, attempt: Promise<{ ok: boolean; error?: unknown }>, code: ErrorCode, detail?: RegExp): Promise<void> {
  const outcome = await attempt;
  expect(outcome.ok).toBe(false);
  expect(outcome.error).toMatchObject({ code });
  expect(core.currentSession()).toBeNull();
  expect(core.pendingFlow()).toBeNull();
  expect(await h.store.get(nurseSub())).toBeNull();
  expect(h.events).toContainEqual(expect.objectContaining({ type: 'sign-in-failed', reason: code }));
  if (detail) expect((outcome.error as { detail?: string }).detail).toMatch(detail);
}

const settle = (p: Promise<unknown>) => p.then(() => ({ ok: true, error: undefined }), (error: unknown) => ({ ok: false, error }));

const now = () => Math.floor(Date.now() / 1000);

describe('ID token validation', () => {
  it('the untampered path through the same interceptor signs in (the forged key alone is accepted only because the test JWKS lists it)', async () => {
    const core = h.newCore({ fetch: tamperingFetch((c) => c, 'resign') });
    const outcome = await signInWith(core);
    expect(outcome.ok && outcome.session.sub).toBe(nurseSub());
    await core.signOut();
  });

  it('tampered signature: token_invalid', async () => {
    const core = h.newCore({ fetch: tamperingFetch((c) => ({ ...c, 'cognito:groups': ['it-admins'] }), 'keep-signature') });
    await expectRefused(core, signInWith(core), 'token_invalid', /signature/);
  });

  it('wrong aud: token_invalid', async () => {
    const core = h.newCore({ fetch: tamperingFetch((c) => ({ ...c, aud: 'some-other-client' }), 'resign') });
    await expectRefused(core, signInWith(core), 'token_invalid', /claim aud/);
  });

  it('wrong iss: token_invalid', async () => {
    const core = h.newCore({ fetch: tamperingFetch((c) => ({ ...c, iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' }), 'resign') });
    await expectRefused(core, signInWith(core), 'token_invalid', /claim iss/);
  });

  it('expired ID token (server and terminal clocks agree): token_invalid', async () => {
    const core = h.newCore({ fetch: tamperingFetch((c) => ({ ...c, iat: now() - 7200, exp: now() - 3600 }), 'resign') });
    await expectRefused(core, signInWith(core), 'token_invalid', /time claims/);
  });

  it('ID token issued in the future: token_invalid', async () => {
    const core = h.newCore({ fetch: tamperingFetch((c) => ({ ...c, iat: now() + 3600, exp: now() + 7200 }), 'resign') });
    await expectRefused(core, signInWith(core), 'token_invalid', /future/);
  });

  it('terminal clock two hours ahead of the service: clock_skew', async () => {
    const core = h.newCore({ clock: { now: () => Date.now() + 2 * 3_600_000, setTimer: (ms, fn) => { const t = setTimeout(fn, ms); return { cancel: () => clearTimeout(t) }; } } });
    await expectRefused(core, signInWith(core), 'clock_skew', /s ahead of the sign-in service/);
  });

  it('nonce mismatch: token_invalid', async () => {
    const core = h.newCore({ fetch: tamperingFetch((c) => ({ ...c, nonce: 'not-the-nonce-we-sent' }), 'resign') });
    await expectRefused(core, signInWith(core), 'token_invalid', /claim nonce/);
  });

  it('an access token in the id_token slot (token_use "access"): token_invalid', async () => {
    const core = h.newCore({ fetch: tamperingFetch((c) => ({ ...c, token_use: 'access' }), 'resign') });
    await expectRefused(core, signInWith(core), 'token_invalid', /token_use/);
  });
});

describe('code exchange failures', () => {
  it('code reused (already redeemed once on the wire): idp_error, no session', async () => {
    // The interceptor sends the code grant twice and hands the core the second answer, as if a
    // duplicate request (or an attacker with the verifier) had redeemed the code first.
    const doubleSpend: CustomFetch = async (url, init) => {
      const isCodeGrant = init.body instanceof URLSearchParams && init.body.get('grant_type') === 'authorization_code';
      if (isCodeGrant) await fetch(url, init as RequestInit);
      return fetch(url, init as RequestInit);
    };
    const core = h.newCore({ fetch: doubleSpend });
    await expectRefused(core, signInWith(core), 'idp_error', /invalid_grant/);
  });

  it('IdP down during exchange (HTTP 500 on every attempt): server_error after bounded retries', async () => {
    const core = h.newCore();
    const callbackUrl = await callbackFor(core);
    // The fault is armed after the browser part, so only the exchange meets it; 4 = every attempt of the default policy.
    h.events.length = 0;
    h.lc.admin.resetCounts();
    h.lc.admin.failNext('token', { count: 4, status: 500 });
    await expectRefused(core, settle(core.completeSignIn(callbackUrl)), 'server_error');
    expect(h.lc.admin.counts().token).toBe(4);
    expect(h.events.filter((e) => e.type === 'retry')).toHaveLength(3);
  });

  it('IdP connection reset during exchange on every attempt: network', async () => {
    const core = h.newCore();
    const callbackUrl = await callbackFor(core);
    h.lc.admin.failNext('token', { count: 4, reset: true });
    await expectRefused(core, settle(core.completeSignIn(callbackUrl)), 'network');
  });

  it('IdP not answering during exchange: each attempt is cut at the request timeout, then network (retryable)', async () => {
    const core = h.newCore({ requestTimeoutSeconds: 1, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const callbackUrl = await callbackFor(core);
    h.lc.admin.resetCounts();
    h.lc.admin.failNext('token', { count: 2, delayMs: 5_000 });
    // Without the limit each attempt would simply wait 5 s and succeed; with it both attempts are cut.
    await expectRefused(core, settle(core.completeSignIn(callbackUrl)), 'network');
    expect(h.lc.admin.counts().token).toBe(2);
    h.lc.admin.clearFaults();
  });

  it('one transient 500 during exchange is retried and the sign-in succeeds', async () => {
    const core = h.newCore();
    const callbackUrl = await callbackFor(core);
    h.lc.admin.resetCounts();
    h.lc.admin.failNext('token', { count: 1, status: 503 });
    const session = await core.completeSignIn(callbackUrl);
    expect(session.username).toBe('nurse');
    expect(h.lc.admin.counts().token).toBe(2);
    await core.signOut();
  });
});
