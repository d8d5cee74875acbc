/**
 * Sign-out while DynamoDB hangs (issue 24 #3): the real core (createApp) on a ManualClock against local-cognito,
 * whose DynamoDB holds every request for 20 s. The leaving person's settings cache is gone before the view says
 * signed out, the sign-out and the next person's sign-in wait for nothing, the final flush gives up at its 5 s on
 * the terminal's clock, and the change it could not save is reported and audited. No test waits 20 s.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalCognito, type LocalCognito } from '../../local-cognito';
import { httpLogin } from '../../bench/http-login';
import { MemorySecretStore } from '../../main/auth';
import { ManualClock } from '../../main/clock';
import { createApp } from '../../main/app';
import type { ScrubInError } from '../../main/errors';
import type { SyncEvent } from '../../main/sync';
import { FLUSH_TIMEOUT_MS } from '../../main/sync/scheduler';
import { verifyAuditLog } from '../../main/terminal';
import { configFor } from '../support/terminal';

let lc: LocalCognito;
beforeAll(async () => {
  lc = await startLocalCognito({ admin: true });
});
afterAll(() => lc.stop());

it('sign-out with DynamoDB hanging 20 s: bounded, the cache gone before the view says so, the next sign-in not delayed', async () => {
  const clock = new ManualClock(Date.now());
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-sync-signout-'));
  const config = configFor(lc, dataDir);
  const opened: string[] = [];
  const problems: ScrubInError[] = [];
  const events: SyncEvent[] = [];
  const core = createApp({
    config,
    dataDir,
    clock,
    store: new MemorySecretStore(),
    openBrowser: (url) => opened.push(url),
    onProblem: (e) => problems.push(e),
    onSyncEvent: (e) => events.push(e),
  });
  const signIn = async (username: string): Promise<void> => {
    await core.session.signIn();
    await core.session.handleCallback(await httpLogin(opened.at(-1) ?? '', { username }));
  };
  try {
    await core.session.start();
    await signIn('nurse');
    await expect.poll(() => events.some((e) => e.type === 'synced')).toBe(true);
    await core.session.setSetting('prefs', 'textSize', 'large');
    const [file] = readdirSync(core.settingsDir).filter((f) => f.endsWith('.json'));
    const cache = path.join(core.settingsDir, file ?? 'none');
    expect(existsSync(cache)).toBe(true);

    // From now on DynamoDB holds every request for 20 s.
    lc.admin.failNext('DynamoDB.Query', { delayMs: 20_000, count: 20 });
    let cacheWhenSignedOut: boolean | undefined;
    core.session.subscribe((view) => {
      if (view.state === 'signed-out') cacheWhenSignedOut ??= existsSync(cache);
    });
    const started = { real: performance.now(), clock: clock.now() };
    const signingOut = core.session.signOut();
    expect(cacheWhenSignedOut).toBe(false);
    await signingOut;
    const signOut = { realMs: performance.now() - started.real, clockMs: clock.now() - started.clock };
    expect(signOut.clockMs).toBe(0); // nothing waited on the terminal's clock
    expect(existsSync(cache)).toBe(false);
    expect(events.some((e) => e.type === 'closed')).toBe(false); // the final flush still waits for DynamoDB

    // The next person signs in while the leaving person's final flush still waits.
    const next = performance.now();
    await signIn('surgeon');
    const nextSignInMs = performance.now() - next;
    expect(core.session.view()).toMatchObject({ state: 'signed-in', user: { username: 'surgeon' } });
    expect(events.some((e) => e.type === 'closed')).toBe(false);

    // 5 s on the terminal's clock: the flush gives up; the change it could not save is reported and audited.
    clock.advance(FLUSH_TIMEOUT_MS);
    await expect.poll(() => events.find((e) => e.type === 'closed')).toMatchObject({ type: 'closed', purged: true, pendingLost: 1 });
    expect(problems.map((p) => p.detail)).toContainEqual(expect.stringContaining('1 setting changes not saved'));
    const audit = verifyAuditLog(core.audit.path);
    expect(audit.ok && audit.records.filter((r) => r.event === 'settings-not-saved')).toEqual([expect.objectContaining({ count: 1, user: expect.objectContaining({ username: 'nurse' }) as unknown })]);
    if (process.env.SCRUBIN_MEASURE) process.stdout.write(`sign-out: ${JSON.stringify(signOut)}; next sign-in: ${Math.round(nextSignInMs)} ms real\n`);
  } finally {
    lc.admin.clearFaults();
    core.dispose();
  }
});
