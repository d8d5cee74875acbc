/**
 * A whole shift on a shared OR terminal, against the REAL sign-in core, credentials provider, local-cognito,
 * the private Secret Service (keytar) and headless Chromium as the system browser:
 * guest -> nurse signs in (guest identity linked) -> idle lock -> nurse unlocks -> surgeon switches in
 * (nurse revoked at local-cognito, keychain entry gone, /logout opened) -> session cap -> audit log verifies.
 *
 * Only the terminal's timers run on a ManualClock (idle lock, cap); the auth core, the identity pool and
 * local-cognito keep real time so that real tokens stay valid.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, startLocalCognito, type LocalCognito } from '../../local-cognito/index';
import { createUserPoolAuth, KeytarSecretStore } from '../../main/auth';
import { createCredentialsProvider } from '../../main/identity-pool';
import { ManualClock } from '../../main/clock';
import { ConfigSchema } from '../../main/config/schema';
import { isScrubInError } from '../../main/errors';
import { createTerminalSession, openAuditLog, verifyAuditBuffer, verifyAuditLog, type AuditLog, type TerminalSession } from '../../main/terminal';
import { completeManagedLogin, launchChromium } from '../support/browser';
import { postForm } from '../support/local-cognito';

const demo = (username: string) => {
  const user = DEMO_USERS.find((u) => u.username === username);
  if (!user) throw new Error(`no demo user ${username}`);
  return user;
};

describe('a shift on a shared terminal (real auth core, identity pool, keychain, browser)', () => {
  let lc: LocalCognito;
  let browser: Browser;
  let context: BrowserContext;
  let session: TerminalSession;
  let audit: AuditLog;
  let auditPath: string;
  let store: KeytarSecretStore;
  const opened: string[] = [];
  let onLogout: (() => void) | undefined;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    lc = await startLocalCognito({ admin: true });
    browser = await launchChromium();
    context = await browser.newContext();
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-shift-'));
    auditPath = path.join(dir, 'audit.jsonl');
    const config = ConfigSchema.parse({
      ...lc.config,
      terminal: { mode: 'shared', idleLockSeconds: 30, sessionCapHours: 0.05 }, // cap = 180 s
      auditLogPath: auditPath,
    });
    store = new KeytarSecretStore(`ScrubIn-shift-test-${process.pid}-${Date.now()}`);
    const auth = createUserPoolAuth({ config, store, cacheDir: path.join(dir, 'cache') });
    audit = openAuditLog({ path: auditPath, terminalId: 'OR-07', clock });
    session = createTerminalSession({
      config,
      auth,
      credentials: ({ gate, idTokens }) => createCredentialsProvider({ config, idTokens, gate, cacheDir: path.join(dir, 'cache') }),
      audit,
      clock,
      terminalId: 'OR-07',
      openBrowser: (url) => {
        opened.push(url);
        if (url.includes('/logout')) onLogout?.();
      },
    });
  });

  afterAll(async () => {
    session.dispose();
    audit.close();
    await context.close();
    await browser.close();
    await lc.stop();
  });

  /** Does the browser part of the pending sign-in as `username` and hands the redirect to the session. */
  async function login(username: string): Promise<URL> {
    const authorize = new URL(opened.at(-1) ?? '');
    expect(authorize.pathname).toBe('/oauth2/authorize');
    const { callbackUrl, formShown, page } = await completeManagedLogin(context, authorize.href, lc.config.redirectUri, {
      username,
      password: demo(username).password,
    });
    await page.close();
    expect(formShown).toBe(true); // prompt=login: the form every time, even with a live cookie
    await session.handleCallback(callbackUrl);
    return authorize;
  }

  /** Opens the latest /logout URL in the browser, as the OS would. */
  async function followLogout(): Promise<void> {
    const url = opened.filter((u) => u.includes('/logout')).at(-1);
    expect(url).toBeDefined();
    const page = await context.newPage();
    await page.goto(url ?? '').catch(() => undefined); // ends on the app's custom scheme
    await page.close();
  }

  async function refreshWorks(refreshToken: string): Promise<boolean> {
    const res = await postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: lc.clientId });
    return res.status === 200;
  }

  it('runs the shift and leaves a verifiable audit trail', async () => {
    const nurse = demo('nurse');
    const surgeon = demo('surgeon');
    expect((await session.start()).state).toBe('signed-out');

    // Guest: the OR board gets narrow guest credentials.
    const guestView = await session.continueAsGuest();
    expect(guestView.state).toBe('guest');
    const guestCreds = await session.getCredentials();
    expect(guestCreds.roleArn).toBeNull();

    // The nurse signs in on top of the guest session: forced login, guest identity linked in place.
    await session.signIn();
    const first = await login('nurse');
    expect(first.searchParams.get('prompt')).toBe('login');
    expect(session.view()).toMatchObject({ state: 'signed-in', user: { username: 'nurse' } });
    const nurseCreds = await session.getCredentials();
    expect(nurseCreds.identityId).toBe(guestCreds.identityId);
    expect(nurseCreds.accessKeyId).not.toBe(guestCreds.accessKeyId);

    // Idle lock at exactly idleLockSeconds; credentials withheld.
    clock.advance(30_000 - 1);
    expect(session.view().state).toBe('signed-in');
    clock.advance(1);
    expect(session.view().state).toBe('locked');
    const refused = await session.getCredentials().catch((e: unknown) => e);
    expect(isScrubInError(refused, 'locked')).toBe(true);

    // The nurse unlocks: forced re-authentication with her name as the hint.
    await session.unlock();
    const unlock = await login('nurse');
    expect(unlock.searchParams.get('prompt')).toBe('login');
    expect(unlock.searchParams.get('login_hint')).toBe('nurse');
    expect(session.view()).toMatchObject({ state: 'signed-in', user: { username: 'nurse' } });
    const nurseRefresh = await store.get(nurse.sub);
    expect(nurseRefresh).toBeTruthy();
    expect(await refreshWorks(nurseRefresh ?? '')).toBe(true);

    // The surgeon switches in from the lock screen: the nurse is signed out for real first.
    session.lock();
    await session.switchUser();
    const logoutsBefore = opened.filter((u) => u.includes('/logout')).length;
    await login('surgeon');
    expect(session.view()).toMatchObject({ state: 'signed-in', user: { username: 'surgeon' } });
    expect(opened.filter((u) => u.includes('/logout')).length).toBe(logoutsBefore + 1);
    expect(opened.filter((u) => u.includes('/logout')).at(-1)).toContain(`client_id=${lc.clientId}`);
    await followLogout();
    expect(await refreshWorks(nurseRefresh ?? '')).toBe(false); // revoked at local-cognito
    expect(await store.get(nurse.sub)).toBeNull(); // keychain entry gone
    const surgeonCreds = await session.getCredentials();
    expect(surgeonCreds.identityId).not.toBe(nurseCreds.identityId);
    const surgeonRefresh = await store.get(surgeon.sub);
    expect(surgeonRefresh).toBeTruthy();

    // The cap: idle lock first (30 s), then the shift cap (180 s) signs the surgeon out.
    const loggedOut = new Promise<void>((resolve) => (onLogout = resolve));
    clock.advance(180_000);
    expect(session.view().state).toBe('signed-out');
    await loggedOut;
    expect(await refreshWorks(surgeonRefresh ?? '')).toBe(false);
    expect(await store.get(surgeon.sub)).toBeNull();

    // The audit trail verifies, and editing one byte breaks it at that record.
    const result = verifyAuditLog(auditPath);
    expect(result.ok).toBe(true);
    const events = result.ok ? result.records.map((r) => r.event) : [];
    expect(events).toEqual([
      'audit-log-created', 'terminal-start', 'guest-start', 'sign-in', 'guest-upgrade', 'lock', 'credentials-refused',
      'unlock', 'lock', 'sign-out', 'switch', 'sign-in', 'lock', 'session-cap', 'sign-out',
    ]);
    const text = readFileSync(auditPath, 'utf8');
    for (const secret of [nurseRefresh ?? '-', surgeonRefresh ?? '-', nurseCreds.secretAccessKey, nurse.password]) expect(text).not.toContain(secret);
    const data = readFileSync(auditPath);
    const lines = text.split('\n');
    const switchLine = lines.findIndex((l) => l.includes('"event":"switch"'));
    const offset = lines.slice(0, switchLine).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) + lines[switchLine]!.indexOf('surgeon');
    data[offset] = data[offset]! ^ 0x01;
    const tampered = path.join(path.dirname(auditPath), 'tampered.jsonl');
    writeFileSync(tampered, data);
    expect(verifyAuditBuffer(readFileSync(tampered))).toMatchObject({ ok: false, line: switchLine + 1 });
  });
});
