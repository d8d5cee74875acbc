/**
 * Security defect 1: a forced sign-in (`prompt=login`) must be PROVEN, not only requested. local-cognito is
 * switched to ignore `prompt=login` (a misbehaving browser or IdP): the browser still holds the nurse's
 * managed-login session, so the unlock completes with no password typed and an `auth_time` from the first
 * sign-in. Real core (main/app.ts), real local-cognito, real keyring, Chromium as the system browser.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognito } from '../../local-cognito';
import { KeytarSecretStore } from '../../main/auth';
import { ConfigSchema } from '../../main/config';
import { createApp, type ScrubInApp } from '../../main/app';
import { verifyAuditLog } from '../../main/terminal';
import { completeManagedLogin, launchChromium } from '../support/browser';
import { postForm } from '../support/local-cognito';

let lc: LocalCognito;
let browser: Browser;

beforeAll(async () => {
  lc = await startLocalCognito({ admin: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  await lc.stop();
});

interface Terminal {
  core: ScrubInApp;
  opened: string[];
  context: BrowserContext;
  store: KeytarSecretStore;
  auditPath: string;
}

async function signedInTerminal(): Promise<Terminal> {
  lc.admin.ignorePromptLogin(false);
  lc.admin.setClockOffset(0);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-reauth-'));
  const auditPath = path.join(dataDir, 'audit.jsonl');
  const config = ConfigSchema.parse({ ...lc.config, auditLogPath: auditPath });
  const opened: string[] = [];
  const store = new KeytarSecretStore(`ScrubIn-reauth-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const core = createApp({ config, dataDir, store, openBrowser: (url) => opened.push(url) });
  await core.session.start();
  await core.session.signIn();
  const context = await browser.newContext();
  const { callbackUrl } = await completeManagedLogin(context, opened.at(-1) ?? '', config.redirectUri, { username: 'nurse', password: DEMO_PASSWORD });
  await core.session.handleCallback(callbackUrl);
  expect(core.session.view().state).toBe('signed-in');
  return { core, opened, context, store, auditPath };
}

describe('forced re-authentication is verified (auth_time), not only requested (prompt=login)', () => {
  it('an unlock that skipped the password is refused: reauth_required, audited, its refresh token revoked, still locked', async () => {
    const t = await signedInTerminal();
    const sub = t.core.auth.currentSession()?.sub ?? '';
    const heldBefore = await t.store.get(sub);
    t.core.session.lock();
    lc.admin.setClockOffset(1800); // half an hour later at the pool: the nurse's login is now old
    lc.admin.ignorePromptLogin(true);
    lc.admin.resetCounts();

    await t.core.session.unlock();
    const authorize = new URL(t.opened.at(-1) ?? '');
    expect(authorize.searchParams.get('prompt')).toBe('login'); // requested...
    const { callbackUrl, formShown } = await completeManagedLogin(t.context, authorize.href, t.core.config.redirectUri);
    expect(formShown).toBe(false); // ...but ignored: no password was typed
    const view = await t.core.session.handleCallback(callbackUrl);

    expect(view.state).toBe('locked');
    expect(view.lastError).toEqual({ code: 'reauth_required', message: 'Sign-in was not confirmed with your password. Try again.', retryable: false });
    const audit = verifyAuditLog(t.auditPath);
    expect(audit.ok && audit.records.at(-1)).toMatchObject({ event: 'sign-in-failed', during: 'unlock', code: 'reauth_required', forUser: 'nurse' });
    // The refused answer's refresh token was revoked at the pool; the one held before is untouched.
    await expect.poll(() => lc.admin.counts().revoke).toBe(1);
    expect(await t.store.get(sub)).toBe(heldBefore);
    const stillValid = await postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: heldBefore ?? '', client_id: lc.clientId });
    expect(stillValid.status).toBe(200);
    await expect(t.core.session.getCredentials()).rejects.toMatchObject({ code: 'locked' });

    t.core.dispose();
    await t.context.close();
    await t.store.delete(sub);
  });

  it('the same unlock with the password really typed succeeds (auth_time after the flow began, on the pool clock)', async () => {
    const t = await signedInTerminal();
    t.core.session.lock();
    lc.admin.setClockOffset(1800);
    await t.core.session.unlock();
    const { callbackUrl, formShown } = await completeManagedLogin(t.context, t.opened.at(-1) ?? '', t.core.config.redirectUri, { username: 'nurse', password: DEMO_PASSWORD });
    expect(formShown).toBe(true);
    const view = await t.core.session.handleCallback(callbackUrl);
    expect(view).toMatchObject({ state: 'signed-in', lastError: null });
    const sub = t.core.auth.currentSession()?.sub ?? '';
    t.core.dispose();
    await t.context.close();
    await t.store.delete(sub);
  });

  it('a shared-terminal sign-in over a live browser session that skipped the password is refused too', async () => {
    const t = await signedInTerminal();
    const nurse = t.core.auth.currentSession()?.sub ?? '';
    await t.core.session.signOut(); // revoke + keychain delete; the browser keeps its cookie (logout page not visited here)
    lc.admin.setClockOffset(1800);
    lc.admin.ignorePromptLogin(true);
    await t.core.session.signIn();
    const { callbackUrl, formShown } = await completeManagedLogin(t.context, t.opened.filter((u) => u.includes('/authorize')).at(-1) ?? '', t.core.config.redirectUri);
    expect(formShown).toBe(false);
    const view = await t.core.session.handleCallback(callbackUrl);
    expect(view).toMatchObject({ state: 'signed-out', user: null, lastError: { code: 'reauth_required' } });
    expect(await t.store.get(nurse)).toBeNull();
    t.core.dispose();
    await t.context.close();
  });
});
