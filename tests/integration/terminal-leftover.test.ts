/**
 * A shared terminal that crashed (or lost power) mid-shift must not let the next person inherit the
 * session: at the next start the stored refresh token is revoked at the pool and deleted from the keychain.
 * Real core (main/core.ts), real local-cognito, real keyring, Chromium for the login.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognito } from '../../local-cognito';
import { KeytarSecretStore } from '../../main/auth';
import { ConfigSchema } from '../../main/config';
import { createCore } from '../../main/core';
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
  const store = new KeytarSecretStore();

  const before = createCore({ config, dataDir, store, openBrowser: (url) => opened.push(url) });
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

  const after = createCore({ config, dataDir, store, openBrowser: (url) => opened.push(url) });
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
