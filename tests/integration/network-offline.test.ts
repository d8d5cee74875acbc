/**
 * Network down (issue 21), against a real local-cognito that is stopped and started again on the same port:
 * - before the browser: the reachability check fails, so NO browser opens; the view carries `offline` (the
 *   SI-OFFLINE screen), the terminal stays signed out, and it re-checks by itself on the app's clock; once the
 *   service is back a re-check clears the screen, and a sign-in opens the browser;
 * - mid-sign-in: the token endpoint stops answering when the callback comes back: the sign-in ends on the offline
 *   screen (not an error line), which clears again when the service is back.
 * Time moves only through the manual clock (retry waits and re-checks); nothing waits on wall-clock time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpLogin } from '../../bench/http-login';
import { startLocalCognito, type LocalCognito } from '../../local-cognito';
import { createApp, type ScrubInApp } from '../../main/app';
import { MemorySecretStore } from '../../main/auth';
import { ManualClock } from '../../main/clock';
import { ConfigSchema } from '../../main/config';

describe('no connection to the sign-in service: the offline screen instead of the browser', () => {
  let cognito: LocalCognito;
  let port: number;
  let core: ScrubInApp;
  const clock = new ManualClock(Date.now());
  const opened: string[] = [];

  beforeAll(async () => {
    cognito = await startLocalCognito({ now: () => clock.now() });
    port = Number(new URL(cognito.origin).port);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-offline-'));
    const config = ConfigSchema.parse({ ...cognito.config, terminal: { mode: 'shared', terminalId: 'OR-OFF' } });
    core = createApp({ config, dataDir, store: new MemorySecretStore(), clock, openBrowser: (u) => opened.push(u) });
    await core.session.start();
  });
  afterAll(async () => {
    core.dispose();
    await cognito.stop();
  });

  const restart = async (): Promise<void> => {
    cognito = await startLocalCognito({ port, now: () => clock.now() });
  };

  it('service down before the browser: no browser, SI-OFFLINE, re-checks with backoff, clears when it is back', async () => {
    await cognito.stop();
    const view = await core.session.signIn();
    expect(opened).toHaveLength(0);
    expect(view.state).toBe('signed-out');
    expect(view.offline).toMatchObject({ target: 'sign-in', during: 'sign-in' });
    const firstCheck = view.offline!.nextCheckAt!;
    expect(firstCheck).toBeGreaterThan(clock.now());

    // Still down: the automatic re-check keeps the screen and waits longer.
    clock.advance(firstCheck - clock.now());
    await expect.poll(() => core.session.view().offline?.nextCheckAt ?? 0).toBeGreaterThan(firstCheck);
    expect(core.session.view().offline).not.toBeNull();

    // Back: the next re-check clears the screen by itself; a sign-in then opens the browser.
    await restart();
    clock.advance(core.session.view().offline!.nextCheckAt! - clock.now());
    await expect.poll(() => core.session.view().offline).toBeNull();
    expect(opened).toHaveLength(0);
    const started = await core.session.signIn();
    expect(started.state).toBe('signing-in');
    expect(opened).toHaveLength(1);
    core.session.cancelSignIn();
  });

  it('token endpoint down when the callback comes back: the sign-in ends on the offline screen, which clears when it is back', async () => {
    await core.session.signIn();
    const callback = await httpLogin(opened.at(-1)!, { username: 'nurse' });
    await cognito.stop();
    let settled = false;
    const completing = core.session.handleCallback(callback).finally(() => (settled = true));
    // The token request is retried with backoff on the manual clock: move it along until the sign-in gives up.
    await expect.poll(() => {
      clock.advance(5_000);
      return settled;
    }).toBe(true);
    const view = await completing;
    expect(view.state).toBe('signed-out');
    expect(view.offline).toMatchObject({ target: 'sign-in', during: 'sign-in' });
    expect(view.lastError?.code).toBe('network');

    await restart();
    await expect.poll(() => {
      clock.advance(30_000);
      return core.session.view().offline;
    }).toBeNull();
  });
});
