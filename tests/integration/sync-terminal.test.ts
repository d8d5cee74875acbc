/**
 * Settings sync at the terminal level: two terminals (two `createApp` compositions with their own data folders
 * and keychain entries) against ONE local-cognito whose DynamoDB front holds the settings table, with the real
 * sign-in core, credentials provider, keytar and headless Chromium for managed login.
 *
 * The nurse's preference set on terminal A is pushed at sign-out (the terminal's gate is already closed: the
 * final flush uses her last credentials), no settings cache is left on A (shared mode), and terminal B shows
 * it after her sign-in there. Settings are refused while locked and after sign-out.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognito } from '../../local-cognito';
import { KeytarSecretStore } from '../../main/auth';
import { ConfigSchema } from '../../main/config';
import { createApp, type ScrubInApp } from '../../main/app';
import { isScrubInError } from '../../main/errors';
import type { SyncEvent } from '../../main/sync';
import type { TerminalSettingsChange } from '../../main/terminal';
import { verifyAuditLog } from '../../main/terminal';
import { completeManagedLogin, launchChromium } from '../support/browser';

interface Terminal {
  core: ScrubInApp;
  dir: string;
  opened: string[];
  changes: TerminalSettingsChange[];
  events: SyncEvent[];
  /** Resolves when a settings change matching `pred` is pushed (registered before the action). */
  nextChange(pred: (c: TerminalSettingsChange) => boolean): Promise<TerminalSettingsChange>;
  nextEvent(pred: (e: SyncEvent) => boolean): Promise<SyncEvent>;
}

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isScrubInError(caught) ? caught.code : caught).toBe(code);
}

describe('settings follow the nurse between two shared terminals (real core, local-cognito DynamoDB)', () => {
  let cognito: LocalCognito;
  let browser: Browser;
  let idp: BrowserContext;
  const terminals: Terminal[] = [];

  const terminal = async (name: string): Promise<Terminal> => {
    const dir = mkdtempSync(path.join(tmpdir(), `scrubin-sync-${name}-`));
    const config = ConfigSchema.parse({
      ...cognito.config,
      auditLogPath: path.join(dir, 'audit.jsonl'),
      terminal: { mode: 'shared', idleLockSeconds: 300, sessionCapHours: 12, terminalId: name },
    });
    const opened: string[] = [];
    const changes: TerminalSettingsChange[] = [];
    const events: SyncEvent[] = [];
    const changeWaiters: Array<{ pred: (c: TerminalSettingsChange) => boolean; resolve: (c: TerminalSettingsChange) => void }> = [];
    const eventWaiters: Array<{ pred: (e: SyncEvent) => boolean; resolve: (e: SyncEvent) => void }> = [];
    const core = createApp({
      config,
      dataDir: dir,
      store: new KeytarSecretStore(`ScrubIn-sync-terminal-${name}-${process.pid}-${Date.now()}`),
      openBrowser: (url) => opened.push(url),
      onSyncEvent: (event) => {
        events.push(event);
        for (const w of eventWaiters.splice(0)) if (w.pred(event)) w.resolve(event); else eventWaiters.push(w);
      },
    });
    core.session.subscribeSettings((change) => {
      changes.push(change);
      for (const w of changeWaiters.splice(0)) if (w.pred(change)) w.resolve(change); else changeWaiters.push(w);
    });
    await core.session.start();
    const t: Terminal = {
      core,
      dir,
      opened,
      changes,
      events,
      nextChange: (pred) => new Promise((resolve) => changeWaiters.push({ pred, resolve })),
      nextEvent: (pred) => new Promise((resolve) => eventWaiters.push({ pred, resolve })),
    };
    terminals.push(t);
    return t;
  };

  /** Starts the flow (sign-in or unlock), does the browser part as `username`, delivers the redirect. */
  const login = async (t: Terminal, start: () => Promise<unknown>, username: string): Promise<void> => {
    const from = t.opened.length;
    await start();
    const authorizeUrl = t.opened.slice(from).find((u) => u.includes('/oauth2/authorize'));
    if (!authorizeUrl) throw new Error('no authorize URL opened');
    const { callbackUrl, page } = await completeManagedLogin(idp, authorizeUrl, 'app.scrubin:/callback', { username, password: DEMO_PASSWORD });
    await page.close();
    await t.core.session.handleCallback(callbackUrl);
  };

  const cacheFiles = (t: Terminal): string[] => (existsSync(t.core.settingsDir) ? readdirSync(t.core.settingsDir) : []);

  beforeAll(async () => {
    cognito = await startLocalCognito({ admin: true });
    browser = await launchChromium();
    idp = await browser.newContext();
  });

  afterAll(async () => {
    for (const t of terminals) t.core.dispose();
    await browser.close();
    await cognito.stop();
  });

  it('local-cognito emits the sync section, and the core composes the settings engine from it', async () => {
    expect(cognito.config.sync).toEqual({ region: 'us-east-1', endpoint: cognito.origin, tableName: 'ScrubInSettings' });
    const a = await terminal('OR-01');
    expect(a.core.settings).not.toBeNull();
    expect(a.core.session.view().settingsAvailable).toBe(true);
    await rejects(a.core.session.getSetting('prefs', 'textSize'), 'signed_out');
  });

  /** The nurse's cache file on terminal B, before the switch to the surgeon. */
  let nurseCacheOnB: string[] = [];

  // The journey below runs in order (each test continues where the one before left off), one behaviour per test.
  it("terminal A: the nurse's sign-in opens her settings and syncs them with her credentials", async () => {
    const a = terminals[0]!;
    const opened = a.nextEvent((e) => e.type === 'synced');
    await login(a, () => a.core.session.signIn(), 'nurse');
    expect(a.core.session.view().state).toBe('signed-in');
    await opened; // the sync at sign-in reached DynamoDB with the nurse's credentials
    expect(a.core.settings?.currentIdentity()).toMatch(/^us-east-1:/);
  });

  it('terminal A: settings set while signed in are read back, from one cache file while she works', async () => {
    const a = terminals[0]!;
    await a.core.session.setSetting('prefs', 'favouriteRoom', 'OR-7');
    await a.core.session.setSetting('prefs', 'textSize', 'large');
    expect(await a.core.session.getSetting('prefs', 'favouriteRoom')).toBe('OR-7');
    expect(cacheFiles(a).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('terminal A: settings are refused while locked and readable again after unlock', async () => {
    const a = terminals[0]!;
    a.core.session.lock();
    await rejects(a.core.session.getSetting('prefs', 'favouriteRoom'), 'locked');
    await rejects(a.core.session.setSetting('prefs', 'textSize', 'normal'), 'locked');
    await login(a, () => a.core.session.unlock(), 'nurse');
    expect(await a.core.session.getSetting('prefs', 'textSize')).toBe('large');
  });

  it('terminal A: sign-out pushes the pending changes and leaves no cache file', async () => {
    const a = terminals[0]!;
    // Sign out right away: the changes are still pending (debounce), so the final flush pushes them.
    cognito.admin.resetCounts();
    const closed = a.nextEvent((e) => e.type === 'closed');
    await a.core.session.signOut();
    expect(cacheFiles(a)).toEqual([]); // at once; the final push runs in the background
    expect(await closed).toMatchObject({ type: 'closed', purged: true, pendingLost: 0 });
    expect(cognito.admin.counts()['DynamoDB.PutItem']).toBeGreaterThanOrEqual(2);
  });

  it('terminal A: after sign-out settings are refused, and no change the UI saw carried the identity id', async () => {
    const a = terminals[0]!;
    expect(a.changes.at(-1)).toEqual({ kind: 'reset' });
    await rejects(a.core.session.getSetting('prefs', 'favouriteRoom'), 'signed_out');
    expect(JSON.stringify(a.changes)).not.toMatch(/us-east-1:/);
  });

  it('terminal B: the nurse signs in and gets her settings (pulled from DynamoDB, after one injected 500)', async () => {
    const b = await terminal('OR-02');
    cognito.admin.failNext('DynamoDB.Query', { status: 500 }); // the first pull fails once and is retried
    const room = b.nextChange((c) => c.kind === 'record' && c.key === 'favouriteRoom');
    const synced = b.nextEvent((e) => e.type === 'synced');
    await login(b, () => b.core.session.signIn(), 'nurse');
    expect(await room).toEqual({ kind: 'record', dataset: 'prefs', key: 'favouriteRoom', value: 'OR-7' });
    await synced;
    expect(await b.core.session.getSetting('prefs', 'textSize')).toBe('large');
    expect(b.events.some((e) => e.type === 'retry' && e.operation === 'Query')).toBe(true);
    nurseCacheOnB = cacheFiles(b).filter((f) => f.endsWith('.json'));
    expect(nurseCacheOnB).toHaveLength(1);
  });

  it("terminal B: switching to the surgeon purges the nurse's cache before the surgeon's own settings open", async () => {
    const b = terminals[1]!;
    b.core.session.lock();
    await login(b, () => b.core.session.switchUser(), 'surgeon');
    expect(b.core.session.view().user?.username).toBe('surgeon');
    expect(await b.core.session.getSetting('prefs', 'favouriteRoom')).toBeNull(); // the surgeon's own (empty) settings
    expect(nurseCacheOnB).toHaveLength(1);
    expect(cacheFiles(b)).not.toContain(nurseCacheOnB[0]);
  });

  it('terminal B: sign-out leaves no cache file, and the audit chain verifies', async () => {
    const b = terminals[1]!;
    await b.core.session.signOut();
    expect(cacheFiles(b)).toEqual([]);
    expect(verifyAuditLog(path.join(b.dir, 'audit.jsonl')).ok).toBe(true);
  });

  it('a shared terminal removes settings caches left by a crash when it starts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-sync-crash-'));
    const settingsDir = path.join(dir, 'settings');
    mkdirSync(settingsDir, { recursive: true });
    writeFileSync(path.join(settingsDir, 'settings-us-east-1_00000000-0000-4000-8000-000000000001.json'), '{}');
    writeFileSync(path.join(settingsDir, 'settings-us-east-1_00000000-0000-4000-8000-000000000001.json.abc.tmp'), '{}');
    const core = createApp({
      config: ConfigSchema.parse({ ...cognito.config, auditLogPath: path.join(dir, 'audit.jsonl') }),
      dataDir: dir,
      store: new KeytarSecretStore(`ScrubIn-sync-crash-${process.pid}-${Date.now()}`),
      openBrowser: () => undefined,
    });
    try {
      await core.session.start();
      expect(readdirSync(settingsDir)).toEqual([]);
    } finally {
      core.dispose();
    }
  });
});
