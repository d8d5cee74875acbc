/**
 * Discovery cache (memory + disk, TTL, stale-while-revalidate, corrupted file) and the authorize URL,
 * with a fake fetch standing in for the issuer and a ManualClock.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CustomFetch } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { ConfigSchema } from '../../main/config/schema';
import { createUserPoolAuth, MemorySecretStore, type AuthEvent } from '../../main/auth';
import { allowsInsecure, DiscoveryCache, DISCOVERY_FILE, untrustedEndpoint } from '../../main/auth/discovery';
import { DEFAULT_RETRY } from '../../main/auth/map-error';

const ISSUER = 'http://127.0.0.1:9/us-east-1_Unit';
const ORIGIN = 'http://127.0.0.1:9';
/** The managed-login domain of the configuration (in Cognito, where authorize/token/revoke live). */
const DOMAIN = 'http://localhost:9';
const ATTACKER = 'https://127.0.0.1.attacker.example';
const ALL_ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'end_session_endpoint', 'jwks_uri'] as const;

function fakeIssuer(poison: Record<string, unknown> = {}): { fetch: CustomFetch; hits: string[]; fail: { next: number } } {
  const hits: string[] = [];
  const fail = { next: 0 };
  const fetch: CustomFetch = (url) => Promise.resolve(answer(url));
  const answer = (url: string): Response => {
    hits.push(url);
    if (fail.next > 0) {
      fail.next--;
      return new Response('down', { status: 503 });
    }
    if (url === `${ISSUER}/.well-known/openid-configuration`) {
      return Response.json({
        issuer: ISSUER,
        authorization_endpoint: `${ORIGIN}/oauth2/authorize`,
        token_endpoint: `${ORIGIN}/oauth2/token`,
        revocation_endpoint: `${ORIGIN}/oauth2/revoke`,
        jwks_uri: `${ISSUER}/.well-known/jwks.json`,
        response_types_supported: ['code', 'token'],
        ...poison,
      });
    }
    return new Response('not found', { status: 404 });
  };
  return { fetch, hits, fail };
}

function cache(dir: string, clock: ManualClock, fetch: CustomFetch, events: unknown[] = []) {
  return new DiscoveryCache({
    issuer: ISSUER,
    domain: DOMAIN,
    clientId: 'unitclient',
    cacheDir: dir,
    clock,
    ttlMs: 24 * 3_600_000,
    fetch,
    retry: DEFAULT_RETRY,
    random: () => 0,
    sleep: () => Promise.resolve(),
    onEvent: (e) => events.push(e),
  });
}

describe('discovery cache', () => {
  it('fetches once, then serves memory; a new instance on the same dir makes no request (warm start)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
    const clock = new ManualClock();
    const issuer = fakeIssuer();
    const first = cache(dir, clock, issuer.fetch);
    expect((await first.metadata()).token_endpoint).toBe(`${ORIGIN}/oauth2/token`);
    await first.metadata();
    expect(issuer.hits).toHaveLength(1);
    const events: unknown[] = [];
    const warm = cache(dir, clock, issuer.fetch, events);
    expect((await warm.metadata()).issuer).toBe(ISSUER);
    expect(issuer.hits).toHaveLength(1);
    expect(events).toEqual([{ type: 'discovery', source: 'disk', stale: false }]);
  });

  it('stale: serves the cached copy at once and revalidates in the background', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
    const clock = new ManualClock();
    const issuer = fakeIssuer();
    await cache(dir, clock, issuer.fetch).metadata();
    clock.advance(24 * 3_600_000);
    const events: unknown[] = [];
    const later = cache(dir, clock, issuer.fetch, events);
    await later.metadata();
    await later.whenIdle();
    expect(issuer.hits).toHaveLength(2);
    expect(events).toEqual([{ type: 'discovery', source: 'disk', stale: true }, { type: 'discovery', source: 'network', stale: false }]);
    const file = JSON.parse(readFileSync(path.join(dir, DISCOVERY_FILE), 'utf8')) as { fetchedAt: number };
    expect(file.fetchedAt).toBe(clock.now());
  });

  it('a failed background revalidation keeps the cached copy and is reported', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
    const clock = new ManualClock();
    const issuer = fakeIssuer();
    const c = cache(dir, clock, issuer.fetch);
    await c.metadata();
    clock.advance(25 * 3_600_000);
    issuer.fail.next = 100;
    const events: { type: string }[] = [];
    const stale = cache(dir, clock, issuer.fetch, events);
    expect((await stale.metadata()).issuer).toBe(ISSUER);
    await stale.whenIdle();
    expect(events.map((e) => e.type)).toEqual(['discovery', 'discovery-refresh-failed']);
  });

  it.each([['truncated', '{"version":1,"issuer":"'], ['wrong shape', '{"version":2}'], ['not JSON', '\u0000\u0001'], ['other issuer', null]])(
    'a %s cache file is ignored and rewritten, never a crash',
    async (_label, content) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
      const clock = new ManualClock();
      const issuer = fakeIssuer();
      const file = path.join(dir, DISCOVERY_FILE);
      if (content === null) {
        await cache(dir, clock, issuer.fetch).metadata();
        const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        writeFileSync(file, JSON.stringify({ ...doc, issuer: 'https://evil.example' }));
        issuer.hits.length = 0;
      } else {
        writeFileSync(file, content);
      }
      expect((await cache(dir, clock, issuer.fetch).metadata()).issuer).toBe(ISSUER);
      expect(issuer.hits).toHaveLength(1);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, issuer: ISSUER });
    },
  );

  describe('endpoint pinning (security defect 2: a poisoned discovery document redirected token traffic)', () => {
    it.each(ALL_ENDPOINTS)('a cache file whose %s points off the pool is set aside and the document fetched once from the network', async (name) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
      const clock = new ManualClock();
      const issuer = fakeIssuer();
      await cache(dir, clock, issuer.fetch).metadata();
      const file = path.join(dir, DISCOVERY_FILE);
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { metadata: Record<string, unknown> };
      writeFileSync(file, JSON.stringify({ ...doc, metadata: { ...doc.metadata, [name]: `${ATTACKER}/steal` } }));
      issuer.hits.length = 0;
      const events: unknown[] = [];
      const metadata = await cache(dir, clock, issuer.fetch, events).metadata();
      expect(JSON.stringify(metadata)).not.toContain('attacker');
      expect(issuer.hits).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
      expect(events).toEqual([
        { type: 'discovery-untrusted', source: 'disk', endpoint: name },
        { type: 'discovery', source: 'network', stale: false },
      ]);
      expect(readFileSync(file, 'utf8')).not.toContain('attacker'); // the poisoned file is replaced
    });

    it.each(ALL_ENDPOINTS)('a network document whose %s points off the pool is refused with endpoint_untrusted and never cached', async (name) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
      const issuer = fakeIssuer({ [name]: `${ATTACKER}/steal` });
      const events: unknown[] = [];
      await expect(cache(dir, new ManualClock(), issuer.fetch, events).metadata()).rejects.toMatchObject({ code: 'endpoint_untrusted', retryable: false });
      expect(events).toContainEqual({ type: 'discovery-untrusted', source: 'network', endpoint: name });
      expect(() => readFileSync(path.join(dir, DISCOVERY_FILE))).toThrow();
    });

    it.each([
      ['a look-alike host', 'http://127.0.0.1.attacker.example:9/oauth2/token'],
      ['another port', 'http://127.0.0.1:10/oauth2/token'],
      ['https instead of http', 'https://127.0.0.1:9/oauth2/token'],
      ['not a URL', 'token'],
    ])('origins compare exactly: %s is refused', async (_label, value) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
      const issuer = fakeIssuer({ token_endpoint: value });
      // 'token' is not even a URL: the document fails its shape check before the origin check.
      const code = value === 'token' ? 'discovery_failed' : 'endpoint_untrusted';
      await expect(cache(dir, new ManualClock(), issuer.fetch).metadata()).rejects.toMatchObject({ code });
    });

    it('the origin check itself refuses a value that is not a URL (a cache file is not shape-checked as strictly)', () => {
      const trusted = new Set([ORIGIN]);
      expect(untrustedEndpoint({ token_endpoint: 'token' }, trusted)).toBe('token_endpoint');
      expect(untrustedEndpoint({ jwks_uri: 42 }, trusted)).toBe('jwks_uri');
      expect(untrustedEndpoint({ token_endpoint: `${ORIGIN}/oauth2/token`, issuer: ATTACKER }, trusted)).toBeNull();
    });

    it('endpoints on the managed-login domain (not the issuer origin) are accepted, as Cognito publishes them', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
      const issuer = fakeIssuer({ authorization_endpoint: `${DOMAIN}/oauth2/authorize`, token_endpoint: `${DOMAIN}/oauth2/token`, end_session_endpoint: `${DOMAIN}/logout` });
      expect((await cache(dir, new ManualClock(), issuer.fetch).metadata()).token_endpoint).toBe(`${DOMAIN}/oauth2/token`);
    });

    it('a stale cached document revalidated from a poisoned network answer keeps the good copy and reports it', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
      const clock = new ManualClock();
      await cache(dir, clock, fakeIssuer().fetch).metadata();
      clock.advance(25 * 3_600_000);
      const events: { type: string; reason?: string }[] = [];
      const stale = cache(dir, clock, fakeIssuer({ revocation_endpoint: `${ATTACKER}/revoke` }).fetch, events);
      expect((await stale.metadata()).revocation_endpoint).toBe(`${ORIGIN}/oauth2/revoke`);
      await stale.whenIdle();
      expect(events.map((e) => e.type)).toEqual(['discovery', 'discovery-untrusted', 'discovery-refresh-failed']);
      expect(readFileSync(path.join(dir, DISCOVERY_FILE), 'utf8')).not.toContain('attacker');
    });
  });

  it('no cache and the issuer down: discovery_failed after bounded retries', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-disc-'));
    const issuer = fakeIssuer();
    issuer.fail.next = 100;
    await expect(cache(dir, new ManualClock(), issuer.fetch).metadata()).rejects.toMatchObject({ code: 'discovery_failed' });
    expect(issuer.hits).toHaveLength(DEFAULT_RETRY.maxAttempts);
  });

  it('plain http only for loopback issuers', () => {
    expect(allowsInsecure('http://127.0.0.1:4000/pool')).toBe(true);
    expect(allowsInsecure('http://localhost:4000/pool')).toBe(true);
    expect(allowsInsecure('http://cognito.example/pool')).toBe(false);
    expect(allowsInsecure('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X')).toBe(false);
  });
});

describe('beginSignIn', () => {
  const config = ConfigSchema.parse({
    userPool: { issuer: ISSUER, clientId: 'unitclient', domain: ORIGIN, identityProvider: 'HospitalAD' },
    redirectUri: 'app.scrubin:/callback',
    logoutUri: 'app.scrubin:/signed-out',
  });

  it('builds a PKCE S256 authorize URL with state, nonce, scopes, prompt, identity provider and login hint', async () => {
    const clock = new ManualClock();
    const events: AuthEvent[] = [];
    const issuer = fakeIssuer();
    const core = createUserPoolAuth({ config, store: new MemorySecretStore(), cacheDir: mkdtempSync(path.join(tmpdir(), 'scrubin-core-')), clock, fetch: issuer.fetch, onEvent: (e) => events.push(e) });
    const { authorizeUrl, expiresAt } = await core.beginSignIn({ forceLogin: true, loginHint: 'nurse' });
    const url = new URL(authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${ORIGIN}/oauth2/authorize`);
    const q = url.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe('unitclient');
    expect(q.get('redirect_uri')).toBe('app.scrubin:/callback');
    expect(q.get('scope')).toBe('openid email profile');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(q.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(q.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(q.get('prompt')).toBe('login');
    expect(q.get('identity_provider')).toBe('HospitalAD');
    expect(q.get('login_hint')).toBe('nurse');
    expect(expiresAt).toBe(clock.now() + 10 * 60_000);
    expect(core.pendingFlow()).toEqual({ expiresAt });

    const second = new URL((await core.beginSignIn({ identityProvider: 'Other' })).authorizeUrl).searchParams;
    expect(second.get('prompt')).toBeNull();
    expect(second.get('identity_provider')).toBe('Other');
    expect(second.get('state')).not.toBe(q.get('state'));
    expect(events.filter((e) => e.type === 'sign-in-ended')).toEqual([{ type: 'sign-in-ended', reason: 'superseded' }]);
    // One discovery for both sign-ins; the only other request is the JWKS prefetch made while the person is in the browser.
    expect(issuer.hits.filter((u) => u.includes('openid-configuration'))).toHaveLength(1);
    expect(issuer.hits.filter((u) => !u.includes('openid-configuration')).every((u) => u === `${ISSUER}/.well-known/jwks.json`)).toBe(true);

    clock.advance(10 * 60_000);
    expect(core.pendingFlow()).toBeNull();
    expect(core.cancelSignIn()).toBe(false);
  });

  it('rejects bad options and works signed-out (sign-out with nothing to do still gives the logout URL)', async () => {
    const core = createUserPoolAuth({ config, store: new MemorySecretStore(), cacheDir: mkdtempSync(path.join(tmpdir(), 'scrubin-core-')), fetch: fakeIssuer().fetch });
    await expect(core.beginSignIn({ loginHint: 'a\nb' })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(core.getTokens()).rejects.toMatchObject({ code: 'signed_out' });
    expect(await core.restore()).toBeNull();
    const out = await core.signOut();
    expect(out).toEqual({ logoutUrl: `${ORIGIN}/logout?client_id=unitclient&logout_uri=app.scrubin%3A%2Fsigned-out`, revoked: false, errors: [] });
  });
});
