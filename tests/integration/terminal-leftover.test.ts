/**
 * A shared terminal that crashed (or lost power) mid-shift must not let the next person inherit the
 * session: at the next start the stored refresh token is revoked at the pool and deleted from the keychain.
 * Real core (main/app.ts), real local-cognito, real keyring, Chromium for the login.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognito } from '../../local-cognito';
import { KeytarSecretStore } from '../../main/auth';
import { ConfigSchema } from '../../main/config';
import { createApp } from '../../main/app';
import { verifyAuditLog } from '../../main/terminal';
import { completeManagedLogin, launchChromium } from '../support/browser';
import { postForm } from '../support/local-cognito';
import type { Browser } from 'playwright-core';

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

it('revokes and deletes a refresh token left by a crash at the next shared start', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-leftover-'));
  const config = ConfigSchema.parse({ ...lc.config, auditLogPath: path.join(dataDir, 'audit.jsonl') });
  const opened: string[] = [];
  const store = new KeytarSecretStore(`ScrubIn-leftover-${process.pid}-${Date.now()}`);

  const before = createApp({ config, dataDir, store, openBrowser: (url) => opened.push(url) });
  await before.session.start();
  await before.session.signIn();
  const authorizeUrl = opened.at(-1) ?? '';
  const context = await browser.newContext();
  const { callbackUrl } = await completeManagedLogin(context, authorizeUrl, config.redirectUri, { username: 'nurse', password: DEMO_PASSWORD });
  await before.session.handleCallback(callbackUrl);
  const sub = before.auth.currentSession()?.sub ?? '';
  const refreshToken = (await store.get(sub)) ?? '';
  expect(refreshToken).not.toBe('');
  before.dispose(); // the "crash": no sign-out

  const after = createApp({ config, dataDir, store, openBrowser: (url) => opened.push(url) });
  const view = await after.session.start();
  expect(view).toMatchObject({ state: 'signed-out', user: null });
  expect(await store.get(sub)).toBeNull();
  const refresh = await postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: lc.clientId });
  expect(refresh.status).toBe(400);
  after.dispose();
  const audit = verifyAuditLog(config.auditLogPath ?? '');
  expect(audit.ok).toBe(true);
  expect(audit.ok && audit.records.some((r) => 'reason' in r && r.reason === 'leftover')).toBe(true);
});

/** Signs the nurse in on a fresh shared terminal with its own keychain service; returns what a test needs. */
async function signedIn(dataDir: string, store: KeytarSecretStore) {
  const config = ConfigSchema.parse({ ...lc.config, auditLogPath: path.join(dataDir, 'audit.jsonl') });
  const opened: string[] = [];
  const core = createApp({ config, dataDir, store, openBrowser: (url) => opened.push(url) });
  await core.session.start();
  await core.session.signIn();
  const context = await browser.newContext();
  const { callbackUrl } = await completeManagedLogin(context, opened.at(-1) ?? '', config.redirectUri, { username: 'nurse', password: DEMO_PASSWORD });
  await context.close();
  const view = await core.session.handleCallback(callbackUrl);
  return { config, core, opened, view };
}

it('a token the last-account pointer does not name is found, revoked and deleted at the next shared start, and /logout is opened (security defect 3)', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-leftover-'));
  const store = new KeytarSecretStore(`ScrubIn-leftover-nopointer-${process.pid}-${Date.now()}`);
  const { config, core, view } = await signedIn(dataDir, store);
  expect(view.state).toBe('signed-in');
  const sub = core.auth.currentSession()?.sub ?? '';
  const refreshToken = (await store.get(sub)) ?? '';
  expect(refreshToken).not.toBe('');
  core.dispose(); // the crash
  rmSync(path.join(dataDir, 'cache', 'last-account.json')); // as if its write had failed (disk full, antivirus lock)

  const opened: string[] = [];
  const after = createApp({ config, dataDir, store, openBrowser: (url) => opened.push(url) });
  await after.session.start();
  expect(await store.accounts()).toEqual([]);
  expect((await postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: lc.clientId })).status).toBe(400);
  expect(opened).toHaveLength(1);
  expect(new URL(opened[0] ?? '').pathname).toBe('/logout'); // the managed-login cookie goes too
  after.dispose();
  const audit = verifyAuditLog(config.auditLogPath ?? '');
  expect(audit.ok && audit.records.at(-1)).toMatchObject({ event: 'sign-out', reason: 'leftover', revoked: true, user: { sub, username: sub } });
});

it('a shared sign-in whose last-account pointer cannot be written is refused, and the token it got is revoked and not kept (security defect 3)', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-leftover-'));
  mkdirSync(path.join(dataDir, 'cache', 'last-account.json'), { recursive: true }); // the pointer's path is blocked
  const store = new KeytarSecretStore(`ScrubIn-leftover-blocked-${process.pid}-${Date.now()}`);
  lc.admin.resetCounts();
  const { core, view } = await signedIn(dataDir, store);
  expect(view).toMatchObject({ state: 'signed-out', user: null, lastError: { code: 'storage_unavailable' } });
  expect(core.auth.currentSession()).toBeNull();
  expect(await store.accounts()).toEqual([]);
  await expect.poll(() => lc.admin.counts().revoke).toBe(1);
  core.dispose();
});
