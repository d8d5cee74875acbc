/**
 * Callback intake against the real local-cognito: every refused callback is refused with its code,
 * audited through onEvent, and changes nothing (no session, no keychain entry, the legitimate
 * pending flow still completes afterwards).
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { launchChromium } from '../support/browser';
import { browserLogin, startHarness, type Harness } from './auth-harness';

let h: Harness;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
  await h.stop();
});

/** Begins a sign-in and returns the redirect the authorize endpoint sends straight back (no login form: a fault). */
async function errorRedirect(context: BrowserContext): Promise<string> {
  const { authorizeUrl } = await h.core.beginSignIn();
  const page = await context.newPage();
  const redirect = page.waitForRequest((r) => r.url().startsWith('app.scrubin:/callback'));
  void page.goto(authorizeUrl).catch(() => undefined);
  return (await redirect).url();
}

beforeEach(() => {
  h.events.length = 0;
  h.lc.admin.resetCounts();
  h.lc.admin.clearFaults();
});

async function loginCallback(username = 'nurse', core = h.core): Promise<{ callbackUrl: string; expiresAt: number }> {
  const context = await browser.newContext();
  try {
    const { authorizeUrl, expiresAt } = await core.beginSignIn({ forceLogin: true });
    return { callbackUrl: await browserLogin(context, authorizeUrl, username), expiresAt };
  } finally {
    await context.close();
  }
}

const sub = (username: string) => h.lc.users.find((u) => u.username === username)?.sub ?? '';

function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.href;
}

/** The refused callback changed nothing: no session, nothing stored, no token request, pending flow intact. */
async function expectNoStateChange(pendingExpiresAt: number | null): Promise<void> {
  expect(h.core.currentSession()).toBeNull();
  expect(await h.store.get(sub('nurse'))).toBeNull();
  expect(h.lc.admin.counts().token).toBe(0);
  expect(h.core.pendingFlow()).toEqual(pendingExpiresAt === null ? null : { expiresAt: pendingExpiresAt });
}

describe('refused callbacks', () => {
  it('wrong state: refused with state_mismatch, dropped and audited, nothing changed', async () => {
    const { callbackUrl, expiresAt } = await loginCallback();
    await expect(h.core.completeSignIn(withParam(callbackUrl, 'state', 'forged-state'))).rejects.toMatchObject({ code: 'state_mismatch' });
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'callback-dropped', reason: 'state_mismatch', replay: false }));
    await expectNoStateChange(expiresAt);
    h.core.cancelSignIn();
  });

  it('wrong state: the legitimate callback of the same flow still completes afterwards', async () => {
    const { callbackUrl } = await loginCallback();
    await expect(h.core.completeSignIn(withParam(callbackUrl, 'state', 'forged-state'))).rejects.toMatchObject({ code: 'state_mismatch' });
    const session = await h.core.completeSignIn(callbackUrl);
    expect(session.username).toBe('nurse');
    await h.core.signOut();
  });

  it('unknown state with no pending flow: no_pending_flow', async () => {
    const { callbackUrl } = await loginCallback();
    h.core.cancelSignIn();
    h.events.length = 0;
    await expect(h.core.completeSignIn(callbackUrl)).rejects.toMatchObject({ code: 'no_pending_flow' });
    await expect(h.core.completeSignIn('app.scrubin:/callback?code=abc&state=never-issued')).rejects.toMatchObject({ code: 'no_pending_flow' });
    expect(h.events.filter((e) => e.type === 'callback-dropped')).toHaveLength(2);
    await expectNoStateChange(null);
  });

  it('replayed callback after a completed sign-in: dropped as a replay, no second exchange, session unchanged', async () => {
    const { callbackUrl } = await loginCallback();
    const session = await h.core.completeSignIn(callbackUrl);
    h.lc.admin.resetCounts();
    await expect(h.core.completeSignIn(callbackUrl)).rejects.toMatchObject({ code: 'no_pending_flow' });
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'callback-dropped', reason: 'no_pending_flow', replay: true }));
    expect(h.lc.admin.counts().token).toBe(0);
    expect(h.core.currentSession()).toEqual(session);
    await h.core.signOut();
  });

  it('replayed callback while a newer flow is pending: that flow and the session are left alone', async () => {
    const { callbackUrl } = await loginCallback();
    const session = await h.core.completeSignIn(callbackUrl);
    const next = await h.core.beginSignIn();
    await expect(h.core.completeSignIn(callbackUrl)).rejects.toMatchObject({ code: 'state_mismatch' });
    expect(h.core.pendingFlow()).toEqual({ expiresAt: next.expiresAt });
    expect(h.core.currentSession()).toEqual(session);
    await h.core.signOut();
  });

  it('the same redirect delivered twice at once (argv + open-url): exactly one exchange, the other dropped', async () => {
    const { callbackUrl } = await loginCallback();
    const results = await Promise.allSettled([h.core.completeSignIn(callbackUrl), h.core.completeSignIn(callbackUrl)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(h.lc.admin.counts().token).toBe(1);
    await h.core.signOut();
  });

  it('expired flow: flow_expired, nothing exchanged', async () => {
    const clock = new ManualClock(Date.now());
    const core = h.newCore({ clock, pendingFlowTimeoutMs: 60_000 });
    const { callbackUrl } = await loginCallback('nurse', core);
    clock.advance(60_001);
    expect(core.pendingFlow()).toBeNull();
    await expect(core.completeSignIn(callbackUrl)).rejects.toMatchObject({ code: 'flow_expired' });
    expect(h.events).toContainEqual({ type: 'sign-in-ended', reason: 'expired' });
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'callback-dropped', reason: 'flow_expired' }));
    expect(core.currentSession()).toBeNull();
    expect(h.lc.admin.counts().token).toBe(0);
  });

  /** Delivers the query of `callbackUrl` to seven wrong targets (other schemes, paths, a fragment, no URL). */
  async function deliverElsewhere(callbackUrl: string): Promise<void> {
    const query = callbackUrl.slice(callbackUrl.indexOf('?'));
    for (const target of ['app.evil:/callback', 'app.scrubin:/other', 'app.scrubin:/callback/x', 'app.scrubin://callback', 'https://127.0.0.1/callback']) {
      await expect(h.core.completeSignIn(`${target}${query}`)).rejects.toMatchObject({ code: 'callback_rejected' });
    }
    await expect(h.core.completeSignIn(`${callbackUrl}#frag`)).rejects.toMatchObject({ code: 'callback_rejected' });
    await expect(h.core.completeSignIn('not a url')).rejects.toMatchObject({ code: 'callback_rejected' });
  }

  it('callback on another scheme or path: refused with callback_rejected, dropped and audited, nothing changed', async () => {
    const { callbackUrl, expiresAt } = await loginCallback();
    await deliverElsewhere(callbackUrl);
    expect(h.events.filter((e) => e.type === 'callback-dropped' && e.reason === 'callback_rejected')).toHaveLength(7);
    await expectNoStateChange(expiresAt);
    h.core.cancelSignIn();
  });

  it('callback on another scheme or path: the pending flow is kept and its real callback completes', async () => {
    const { callbackUrl } = await loginCallback();
    await deliverElsewhere(callbackUrl);
    expect((await h.core.completeSignIn(callbackUrl)).username).toBe('nurse');
    await h.core.signOut();
  });

  it('error=access_denied redirect (from the real authorize endpoint): access_denied, no session', async () => {
    h.lc.admin.failNext('authorize', { error: 'access_denied', message: 'User denied' });
    const context = await browser.newContext();
    try {
      const callbackUrl = await errorRedirect(context);
      expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');
      await expect(h.core.completeSignIn(callbackUrl)).rejects.toMatchObject({ code: 'access_denied' });
      expect(h.events).toContainEqual(expect.objectContaining({ type: 'sign-in-failed', reason: 'access_denied' }));
      // A second delivery of the same error redirect is a replay.
      await expect(h.core.completeSignIn(callbackUrl)).rejects.toMatchObject({ code: 'no_pending_flow' });
    } finally {
      await context.close();
    }
    await expectNoStateChange(null);
  });

  it('another error redirect (server_error): idp_error', async () => {
    h.lc.admin.failNext('authorize', { error: 'server_error' });
    const context = await browser.newContext();
    try {
      await expect(h.core.completeSignIn(await errorRedirect(context))).rejects.toMatchObject({ code: 'idp_error' });
    } finally {
      await context.close();
    }
    await expectNoStateChange(null);
  });
});
