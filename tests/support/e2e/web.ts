/**
 * The `web` project's terminal: the BUILT renderer in Chromium (Playwright Test's own page, so traces and video
 * work), `window.scrubin` made by the preload's createBridge and backed by the real main-process composition
 * (createApp) through the same IPC dispatcher as Electron (tests/support/renderer-harness.ts). Callbacks go
 * through the same DeepLinkIntake as the app, fed a `second-instance` event as the OS would cause.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { LocalCognito } from '../../../local-cognito';
import { createApp, type ScrubInApp } from '../../../main/app';
import { KeytarSecretStore } from '../../../main/auth';
import { ConfigSchema } from '../../../main/config';
import { DeepLinkIntake } from '../../../main/shell/deep-links';
import { orViewsOf, rendererEndpoints } from '../../../main/shell/renderer-endpoints';
import { createTestHooks } from '../../../main/shell/test-hooks';
import { attachRendererHarness } from '../renderer-harness';
import type { AppDriver, TerminalOptions } from './driver';
import { terminalConfig } from './terminal-config';

export interface WebDriver extends AppDriver {
  /** The main-process composition behind the page (web only: for checks a tester cannot make through the UI). */
  readonly core: ScrubInApp;
  /** IPC calls the dispatcher refused (sender or payload checks), as `reason:channel`. */
  readonly rejected: readonly string[];
}

let terminals = 0;

export async function launchWeb(page: Page, cognito: LocalCognito, options: TerminalOptions): Promise<WebDriver> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-e2e-web-'));
  const config = ConfigSchema.parse(terminalConfig(cognito, dataDir, options));
  const hooks = createTestHooks();
  // A keychain service of its own: a fresh keychain for this terminal in the run's private Secret Service.
  const store = new KeytarSecretStore(`ScrubIn-e2e-${process.pid}-${++terminals}-${Date.now()}`);
  // The OS idle time is the test hooks' fake, fed by real (trusted) input on the page, as the OS would see it.
  const core = createApp({ config, dataDir, store, openBrowser: (url) => hooks.open(url), clock: hooks.clock, systemIdle: hooks.idle });
  await core.session.start();
  const os = new EventEmitter();
  const links = new DeepLinkIntake(os, ['scrub-in', '.']);
  links.attach((url) => void core.session.handleCallback(url));
  const harness = await attachRendererHarness(page, core.session, {
    onTrustedInput: () => hooks.idle.input(),
    endpoints: rendererEndpoints(config),
    orViews: orViewsOf(config),
  });
  return {
    kind: 'web',
    page,
    core,
    dataDir,
    auditPath: core.audit.path,
    electronApp: undefined,
    bridgeTraffic: harness.traffic,
    rejected: harness.rejected,
    waitExternal: (index) => hooks.global.waitExternal(index),
    externalUrls: () => Promise.resolve([...hooks.global.external]),
    deliverLink(url) {
      os.emit('second-instance', {}, ['scrub-in', '.', url]);
      return Promise.resolve();
    },
    systemInput() {
      hooks.idle.input();
      return Promise.resolve();
    },
    advanceClock(ms) {
      hooks.clock.advance(ms);
      return Promise.resolve();
    },
    async close() {
      await harness.close();
      core.dispose();
    },
  };
}
