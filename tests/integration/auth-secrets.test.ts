/**
 * No token, code or verifier in any message, detail, event or log line: a full run (sign-in, refused
 * callbacks, refresh, failing refreshes, session end, sign-out) records every secret that crossed the
 * wire (through the test-only fetch) and every error and event the core produced, then scans.
 */
import type { CustomFetch } from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { launchChromium } from '../support/browser';
import { browserLogin, startHarness, type Harness } from './auth-harness';

let h: Harness;
let browser: Browser;
const secrets = new Set<string>();

const capture: CustomFetch = async (url, init) => {
  if (init.body instanceof URLSearchParams) {
    for (const name of ['code', 'code_verifier', 'refresh_token', 'token']) {
      const value = init.body.get(name);
      if (value) secrets.add(value);
    }
  }
  const res = await fetch(url, init as RequestInit);
  if (url.endsWith('/oauth2/token') && res.ok) {
    const body = (await res.clone().json()) as Record<string, unknown>;
    for (const name of ['id_token', 'access_token', 'refresh_token']) if (typeof body[name] === 'string') secrets.add(body[name]);
  }
  return res;
};

beforeAll(async () => {
  h = await startHarness({ core: { fetch: capture } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
  await h.stop();
});

function render(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error) parts.push(e.message, e.stack ?? '');
    try {
      parts.push(JSON.stringify(e));
    } catch {
      parts.push('[unserializable]');
    }
    const view = (e as { toView?: () => unknown }).toView;
    if (typeof view === 'function') parts.push(JSON.stringify(view.call(e)));
  }
  return parts.join('\n');
}

it('a full run leaks no token, code or verifier into errors, events or console output', async () => {
  const logged: string[] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
    });
  }
  const errors: unknown[] = [];
  const context = await browser.newContext();
  const { authorizeUrl } = await h.core.beginSignIn({ forceLogin: true });
  const callbackUrl = await browserLogin(context, authorizeUrl, 'nurse');
  await context.close();
  secrets.add(new URL(callbackUrl).searchParams.get('code') ?? '');

  const forged = new URL(callbackUrl);
  forged.searchParams.set('state', 'forged');
  await h.core.completeSignIn(forged.href).catch((e: unknown) => errors.push(e));
  await h.core.completeSignIn(callbackUrl.replace('app.scrubin:', 'app.evil:')).catch((e: unknown) => errors.push(e));
  await h.core.completeSignIn(callbackUrl);
  await h.core.completeSignIn(callbackUrl).catch((e: unknown) => errors.push(e)); // replay
  await h.core.refresh({ force: true });
  h.lc.admin.failNext('token', { count: 4, status: 500 });
  await h.core.refresh({ force: true }).catch((e: unknown) => errors.push(e));
  h.lc.admin.failNext('token', { count: 4, reset: true });
  await h.core.refresh({ force: true }).catch((e: unknown) => errors.push(e));
  const tokens = await h.core.getTokens();
  const result = await h.core.signOut();
  errors.push(...result.errors);

  // A second sign-in whose session the pool revokes: invalid_grant on refresh.
  const context2 = await browser.newContext();
  const second = await h.core.beginSignIn({ forceLogin: true });
  await h.core.completeSignIn(await browserLogin(context2, second.authorizeUrl, 'nurse'));
  await context2.close();
  h.lc.admin.revokeUserSessions('nurse');
  await h.core.refresh({ force: true }).catch((e: unknown) => errors.push(e));

  expect(errors.length).toBeGreaterThanOrEqual(6);
  expect(secrets.size).toBeGreaterThanOrEqual(8);
  expect(secrets.has(tokens.idToken)).toBe(true);
  const haystack = [JSON.stringify(h.events), ...errors.map(render), ...logged, result.logoutUrl, JSON.stringify(h.core.currentSession())].join('\n');
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(10);
    expect(haystack.includes(secret)).toBe(false);
  }
});
