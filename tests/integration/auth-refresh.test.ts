/**
 * Tokens after sign-in against the real local-cognito: single-flight refresh (200 callers, one
 * request) with rotation off and on, invalid_grant ending the session, bounded retries on 5xx and
 * resets, JWKS re-fetch on key rotation, warm start without discovery, personal-mode restore.
 */
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../main/clock';
import { launchChromium } from '../support/browser';
import { signInAs, startHarness, type Harness } from './auth-harness';
import { rawRefresh } from '../support/local-cognito';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
});

/** Real time plus an adjustable offset (to make the tokens stale without waiting). */
function offsetClock(): Clock & { offsetMs: number } {
  const clock = {
    offsetMs: 0,
    now: () => Date.now() + clock.offsetMs,
    setTimer: (ms: number, fn: () => void) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return { cancel: () => clearTimeout(t) };
    },
  };
  return clock;
}

async function withHarness(rotation: false | { graceSeconds: number }, fn: (h: Harness, clock: Clock & { offsetMs: number }) => Promise<void>) {
  const clock = offsetClock();
  const h = await startHarness({ cognito: { rotation }, core: { clock } });
  try {
    await fn(h, clock);
  } finally {
    await h.stop();
  }
}

const sub = (h: Harness, username: string) => h.lc.users.find((u) => u.username === username)?.sub ?? '';

describe('single-flight refresh', () => {
  for (const rotation of [false, { graceSeconds: 0 }] as const) {
    const label = rotation === false ? 'rotation off' : 'rotation on (grace 0)';
    it(`${label}: 200 simultaneous getTokens() on stale tokens make exactly one token request`, async () => {
      await withHarness(rotation, async (h, clock) => {
        await signInAs(h, browser, 'nurse');
        const first = await h.core.getTokens();
        const storedBefore = await h.store.get(sub(h, 'nurse'));
        expect(storedBefore).toBeTruthy();
        // 56 minutes later: inside the 5-minute refresh margin of the 60-minute tokens.
        clock.offsetMs = first.expiresAt - Date.now() - 4 * 60_000;
        h.lc.admin.resetCounts();
        const all = await Promise.all(Array.from({ length: 200 }, () => h.core.getTokens()));
        expect(h.lc.admin.counts().token).toBe(1);
        expect(new Set(all.map((t) => t.accessToken)).size).toBe(1);
        expect(all[0]?.accessToken).not.toBe(first.accessToken);
        expect(all[0]?.expiresAt).toBeGreaterThan(first.expiresAt);

        const storedAfter = await h.store.get(sub(h, 'nurse'));
        if (rotation === false) {
          expect(storedAfter).toBe(storedBefore); // the old refresh token is kept and still works
          expect((await rawRefresh(h.lc, storedBefore ?? '')).status).toBe(200);
        } else {
          expect(storedAfter).toBeTruthy();
          expect(storedAfter).not.toBe(storedBefore); // the new one was stored
          expect(await rawRefresh(h.lc, storedBefore ?? '')).toMatchObject({ status: 400, error: 'invalid_grant' });
          expect(h.events).toContainEqual({ type: 'tokens-refreshed', sub: sub(h, 'nurse'), rotated: true });
        }
        // Fresh tokens now (back to the service's time, as the new tokens are dated by it): no further request.
        clock.offsetMs = 0;
        h.lc.admin.resetCounts();
        await Promise.all(Array.from({ length: 20 }, () => h.core.getTokens()));
        expect(h.lc.admin.counts().token).toBe(0);
        // And the (possibly rotated) stored token keeps the session going.
        await h.core.refresh({ force: true });
        expect(h.lc.admin.counts().token).toBe(1);
        await h.core.signOut();
      });
    });
  }
});

describe('refresh failures', () => {
  it('invalid_grant (sessions revoked at the pool): session ended cleanly, keychain entry removed, one request, no retry loop', async () => {
    await withHarness(false, async (h) => {
      await signInAs(h, browser, 'surgeon');
      h.lc.admin.revokeUserSessions('surgeon');
      h.lc.admin.resetCounts();
      await expect(h.core.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh_rejected' });
      expect(h.lc.admin.counts().token).toBe(1);
      expect(h.core.currentSession()).toBeNull();
      await expect(h.core.getTokens()).rejects.toMatchObject({ code: 'signed_out' });
      expect(await h.store.get(sub(h, 'surgeon'))).toBeNull();
      expect(h.events).toContainEqual({ type: 'session-ended', sub: sub(h, 'surgeon'), reason: 'refresh_rejected' });
      expect(await h.newCore().restore()).toBeNull();
    });
  });

  it('a disabled user: refresh_rejected', async () => {
    await withHarness(false, async (h) => {
      await signInAs(h, browser, 'charge');
      h.lc.admin.disableUser('charge');
      await expect(h.core.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh_rejected' });
      expect(await h.store.get(sub(h, 'charge'))).toBeNull();
    });
  });

  it('5xx then success: retried with backoff; persistent 5xx or resets: typed retryable error, session kept', async () => {
    await withHarness(false, async (h) => {
      const { session } = await signInAs(h, browser, 'nurse');
      const stored = await h.store.get(session.sub);

      h.lc.admin.resetCounts();
      h.lc.admin.failNext('token', { count: 2, status: 503 });
      await h.core.refresh({ force: true });
      expect(h.lc.admin.counts().token).toBe(3);

      h.lc.admin.resetCounts();
      h.events.length = 0;
      h.lc.admin.failNext('token', { count: 4, status: 500 });
      const error = await h.core.refresh({ force: true }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'server_error', retryable: true });
      expect(h.lc.admin.counts().token).toBe(4);
      expect(h.events.filter((e) => e.type === 'retry')).toHaveLength(3);
      expect(h.core.currentSession()?.sub).toBe(session.sub);
      expect(await h.store.get(session.sub)).toBe(stored);

      h.lc.admin.failNext('token', { count: 4, reset: true });
      await expect(h.core.refresh({ force: true })).rejects.toMatchObject({ code: 'network', retryable: true });
      expect(h.core.currentSession()?.sub).toBe(session.sub);
      expect(await h.store.get(session.sub)).toBe(stored);
      await h.core.getTokens(); // still usable
      await h.core.signOut();
    });
  });
});

describe('JWKS and signing-key rotation', () => {
  it('openid-client alone: an ID token signed with a new key within 60 s of the JWKS fetch is refused (it re-fetches only if the cache is >= 60 s old)', async () => {
    await withHarness(false, async (h) => {
      await signInAs(h, browser, 'nurse'); // puts a refresh token in the store
      const refreshToken = (await h.store.get(sub(h, 'nurse'))) ?? '';
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- local-cognito on loopback http
      const config = await oidc.discovery(new URL(h.lc.issuer), h.lc.clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
      oidc.enableNonRepudiationChecks(config);
      await oidc.refreshTokenGrant(config, refreshToken); // JWKS fetched and cached
      h.lc.admin.rotateSigningKeys();
      await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toThrow(/no applicable keys found/);
    });
  });

  it('the core: JWKS fetched lazily once, re-fetched exactly once on an unknown kid, then cached again', async () => {
    await withHarness(false, async (h) => {
      h.lc.admin.resetCounts();
      await signInAs(h, browser, 'nurse');
      expect(h.lc.admin.counts().jwks).toBe(1);
      await h.core.refresh({ force: true });
      expect(h.lc.admin.counts().jwks).toBe(1); // cached
      h.lc.admin.rotateSigningKeys();
      await h.core.refresh({ force: true });
      expect(h.lc.admin.counts().jwks).toBe(2); // unknown kid -> one re-fetch
      await h.core.refresh({ force: true });
      expect(h.lc.admin.counts().jwks).toBe(2);
      await h.core.signOut();
    });
  });

  it('a sign-in after a restart whose persisted keys predate a rotation: the held keys are used until the unknown kid, then exactly one re-fetch', async () => {
    await withHarness(false, async (h) => {
      await signInAs(h, browser, 'nurse'); // keys fetched and persisted in cacheDir
      await h.core.signOut();
      h.lc.admin.rotateSigningKeys();
      h.lc.admin.resetCounts();
      const restarted = h.newCore();
      const { session } = await signInAs(h, browser, 'surgeon', restarted);
      expect(session.username).toBe('surgeon');
      expect(h.lc.admin.counts().jwks).toBe(1); // the code was exchanged with the persisted keys in hand, then one re-fetch
      await restarted.refresh({ force: true });
      expect(h.lc.admin.counts().jwks).toBe(1); // the new keys are held now
      await restarted.signOut();
      const third = h.newCore(); // and persisted: the next restart needs no fetch at all
      await signInAs(h, browser, 'float', third);
      expect(h.lc.admin.counts().jwks).toBe(1);
      await third.signOut();
    });
  });
});

describe('warm start and restore', () => {
  it('a new core on the same cacheDir makes zero discovery requests (begin and restore)', async () => {
    await withHarness(false, async (h) => {
      await signInAs(h, browser, 'itadmin');
      h.lc.admin.resetCounts();
      const restarted = h.newCore();
      const restored = await restarted.restore();
      expect(restored?.username).toBe('itadmin');
      await restarted.beginSignIn();
      expect(h.lc.admin.counts().discovery).toBe(0);
      expect(h.lc.admin.counts().token).toBe(1);
      await restarted.signOut();
    });
  });

  it('restore: null when nothing is stored; refresh_rejected clears what is stored', async () => {
    await withHarness(false, async (h) => {
      expect(await h.core.restore()).toBeNull();
      const { session } = await signInAs(h, browser, 'float');
      const restarted = h.newCore();
      expect((await restarted.restore())?.sub).toBe(session.sub);
      h.lc.admin.revokeUserSessions('float');
      const again = h.newCore();
      await expect(again.restore()).rejects.toMatchObject({ code: 'refresh_rejected' });
      expect(await h.store.get(session.sub)).toBeNull();
      expect(await h.newCore().restore()).toBeNull();
    });
  });
});
