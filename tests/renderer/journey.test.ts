/**
 * Renderer suite: the BUILT React UI in headless Chromium, `window.scrubin` backed by the real main-process
 * core (auth + aws + terminal + audit, composed by main/app.ts) through the same IPC dispatcher Electron uses,
 * against a real local-cognito and the private keyring. Screenshots of each screen go to test-results/renderer/.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognito } from '../../local-cognito';
import { KeytarSecretStore } from '../../main/auth';
import { ConfigSchema } from '../../main/config';
import { createApp, type ScrubInApp } from '../../main/app';
import { verifyAuditLog } from '../../main/terminal';
import { completeManagedLogin, launchChromium } from '../support/browser';
import { openRendererHarness, type RendererHarness } from '../support/renderer-harness';

const SHOTS = path.resolve('test-results/renderer');

describe('renderer on the real core', () => {
  let cognito: LocalCognito;
  let core: ScrubInApp;
  let browser: Browser;
  let idp: BrowserContext;
  let harness: RendererHarness;
  let page: Page;
  let auditPath: string;
  const opened: string[] = [];
  /** Refresh, ID and access tokens seen in main during the journey, to search the bridge traffic for. */
  const issuedSecrets: string[] = [];
  const collectSecrets = async () => {
    const tokens = await core.auth.getTokens();
    const sub = core.auth.currentSession()?.sub;
    const refresh = sub ? await store.get(sub) : null;
    issuedSecrets.push(tokens.idToken, tokens.accessToken, ...(refresh ? [refresh] : []));
  };
  // Its own keychain service: a shared start clears every account of its service (other suites run in parallel).
  const store = new KeytarSecretStore(`ScrubIn-renderer-journey-${process.pid}-${Date.now()}`);
  const waiters: Array<() => void> = [];

  /** The next URL the app asks the OS to open, after `from` already seen ones (resolved by openBrowser, no polling). */
  const nextOpened = async (from: number, kind: 'authorize' | 'logout'): Promise<string> => {
    for (;;) {
      const found = opened.slice(from).find((u) => u.includes(kind === 'authorize' ? '/oauth2/authorize' : '/logout?'));
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const heading = () => page.locator('h1').innerText();
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const axe = async () => {
    const result = await new AxeBuilder({ page }).analyze();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  };
  /** Clicks a button, does the browser part as `username`, and delivers the redirect to the session. */
  const loginVia = async (button: string | RegExp, username: string): Promise<string> => {
    const from = opened.length;
    await page.getByRole('button', { name: button, exact: typeof button === 'string' }).click();
    const authorizeUrl = await nextOpened(from, 'authorize');
    const { callbackUrl, page: idpPage } = await completeManagedLogin(idp, authorizeUrl, 'app.scrubin:/callback', { username, password: DEMO_PASSWORD });
    await idpPage.close();
    await core.session.handleCallback(callbackUrl);
    return authorizeUrl;
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    cognito = await startLocalCognito({ admin: true });
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-renderer-'));
    auditPath = path.join(dir, 'audit.jsonl');
    const config = ConfigSchema.parse({ ...cognito.config, auditLogPath: auditPath, terminal: { mode: 'shared', idleLockSeconds: 300, sessionCapHours: 12, terminalId: 'OR-07' } });
    core = createApp({
      config,
      dataDir: dir,
      store,
      openBrowser: (url) => {
        opened.push(url);
        for (const wake of waiters.splice(0)) wake();
      },
    });
    await core.session.start();
    browser = await launchChromium();
    idp = await browser.newContext();
    harness = await openRendererHarness(browser, core.session);
    page = harness.page;
  });

  afterAll(async () => {
    await harness.close();
    await browser.close();
    core.dispose();
    await cognito.stop();
  });

  it('signed-out screen: big Sign in and guest, accessible', async () => {
    await expect.poll(heading).toBe('Sign in to this terminal');
    await expect.poll(() => page.getByRole('button', { name: 'Continue as guest' }).count()).toBe(1);
    const box = await page.getByRole('button', { name: 'Sign in', exact: true }).boundingBox();
    expect(box?.height).toBeGreaterThanOrEqual(48);
    await shot('01-signed-out');
    expect(await axe()).toEqual([]);
  });

  it('guest mode, then the nurse signs in with forced re-authentication', async () => {
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await expect.poll(heading).toBe('Guest mode');
    await shot('02-guest');
    const from = opened.length;
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(heading).toBe('Finish signing in in the browser');
    await shot('03-waiting-for-browser');
    expect(await axe()).toEqual([]);
    const authorizeUrl = await nextOpened(from, 'authorize');
    expect(new URL(authorizeUrl).searchParams.get('prompt')).toBe('login');
    const { callbackUrl, page: idpPage } = await completeManagedLogin(idp, authorizeUrl, 'app.scrubin:/callback', { username: 'nurse', password: DEMO_PASSWORD });
    await idpPage.close();
    await core.session.handleCallback(callbackUrl);
    await expect.poll(heading).toBe('Signed in: Nora Hale');
    await expect.poll(() => page.getByText('Nurses').count()).toBeGreaterThan(0);
    await collectSecrets();
    await shot('04-signed-in');
    expect(await axe()).toEqual([]);
  });

  it('the bridge hands out AWS credentials but never a token', async () => {
    const result = await page.evaluate(() => window.scrubin.getCredentials());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.value).sort()).toEqual(['accessKeyId', 'expiration', 'identityId', 'roleArn', 'secretAccessKey', 'sessionToken']);
    expect(result.value.roleArn).toBe('arn:aws:iam::000000000000:role/ScrubIn-Nurses');
    const tokens = await core.auth.getTokens();
    const everything = JSON.stringify(await page.evaluate(async () => {
      const b = window.scrubin;
      return [await b.getSession(), await b.getCredentials(), document.documentElement.outerHTML];
    }));
    for (const secret of [tokens.idToken, tokens.accessToken]) expect(everything).not.toContain(secret);
  });

  it('lock: credentials refused, who holds the terminal shown; unlock as the same person', async () => {
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect.poll(heading).toBe('Terminal locked');
    await shot('05-locked');
    expect(await axe()).toEqual([]);
    const refused = await page.evaluate(() => window.scrubin.getCredentials());
    expect(refused).toMatchObject({ ok: false, error: { code: 'locked' } });
    const authorizeUrl = await loginVia(/Unlock as Nora Hale/, 'nurse');
    expect(new URL(authorizeUrl).searchParams.get('login_hint')).toBe('nurse');
    await expect.poll(heading).toBe('Signed in: Nora Hale');
  });

  it('switch user: the surgeon takes over and the nurse is signed out for real', async () => {
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect.poll(heading).toBe('Terminal locked');
    const from = opened.length;
    await loginVia('Switch user', 'surgeon');
    await expect.poll(heading).toBe('Signed in: Sam Ortiz');
    await nextOpened(from, 'logout');
    await collectSecrets();
    await shot('06-switched');
  });

  it('sign out returns to the signed-out screen', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(heading).toBe('Sign in to this terminal');
  });

  it('error: the user pool denies the sign-in (error=access_denied)', async () => {
    const from = opened.length;
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const state = new URL(await nextOpened(from, 'authorize')).searchParams.get('state') ?? '';
    await core.session.handleCallback(`app.scrubin:/callback?error=access_denied&error_description=denied&state=${encodeURIComponent(state)}`);
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/Sign-in was denied/);
    await shot('07-error-access-denied');
    expect(await axe()).toEqual([]);
  });

  it('error: the sign-in service fails during the code exchange', async () => {
    cognito.admin.failNext('token', { count: 20, status: 500, error: 'server_error' });
    try {
      await loginVia('Sign in', 'nurse');
      await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/sign-in service had a problem/);
      await shot('08-error-service');
    } finally {
      cognito.admin.clearFaults();
    }
  });

  it('error: the identity provider answers with an error', async () => {
    const from = opened.length;
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const state = new URL(await nextOpened(from, 'authorize')).searchParams.get('state') ?? '';
    await core.session.handleCallback(`app.scrubin:/callback?error=server_error&state=${encodeURIComponent(state)}`);
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/refused the sign-in/);
    await shot('09-error-idp');
  });

  it('nothing that crossed the bridge in the whole journey holds a token (every response and pushed view checked)', () => {
    expect(harness.traffic.length).toBeGreaterThan(20);
    const all = harness.traffic.join('\n');
    expect(all).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/); // no JWT (ID or access token) at all
    for (const secret of issuedSecrets) expect(all).not.toContain(secret);
  });

  it('every screen change was audited and the audit file verifies', () => {
    const result = verifyAuditLog(auditPath);
    expect(result.ok).toBe(true);
    expect(harness.rejected).toEqual([]);
  });
});
