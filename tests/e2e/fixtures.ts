/**
 * The one import of an end-to-end spec:
 *
 *   import { test, expect } from './fixtures';
 *
 * Fixtures (fresh for every test): `scrubIn` (the app on a fresh keychain and data folder, against its own
 * local-cognito), `signInAs(user)`, `clock`, `cognito`, `signInService`, `audit`, `openTerminal()`. The same spec runs on the
 * `electron` project (the real app) and the `web` project (the built renderer on the real main-process session).
 * Guide: docs/testing.md.
 */
import { rmSync } from 'node:fs';
import { test as base, expect, type BrowserContext } from '@playwright/test';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognito, type LocalCognitoAdmin } from '../../local-cognito';
import { verifyAuditLog, type VerifyResult } from '../../main/terminal';
import type { AuditRecord } from '../../main/terminal';
import { completeManagedLogin } from '../support/browser';
import type { AppDriver, AppKind, TerminalOptions } from '../support/e2e/driver';
import { electronTarget, launchElectron } from '../support/e2e/electron';
import { ScrubIn } from '../support/e2e/scrub-in';
import { launchWeb } from '../support/e2e/web';

export { expect };
export type { ScrubIn, TerminalOptions };

/** A length of time: milliseconds, or hours/minutes/seconds. */
export type Duration = number | { hours?: number; minutes?: number; seconds?: number };

export interface Clock {
  /**
   * Moves time forward by `duration` on every terminal of the test and on local-cognito: timers that fall due
   * fire at once (idle lock, credentials refresh-ahead, shift cap). Needs the test hooks (unpackaged app,
   * packaged test flavour, web variant).
   */
  advance(duration: Duration): Promise<void>;
}

export interface Audit {
  /** The audit file of `terminal` (default: the test's `scrubIn`). */
  path(terminal?: ScrubIn): string;
  /** Verifies the hash chain and the shape of every record (main/terminal/audit-verifier.ts). */
  verify(terminal?: ScrubIn): VerifyResult;
  /** The verified records; fails the test when the file does not verify. */
  records(terminal?: ScrubIn): AuditRecord[];
  /** The event names in order, e.g. ['audit-log-created', 'terminal-start', 'sign-in', ...]. */
  events(terminal?: ScrubIn): string[];
}

export interface SignInService {
  /**
   * The service becomes unreachable: local-cognito stops listening and drops every connection (state kept), so
   * the terminals get "connection refused" as on a network that is down.
   */
  down(): Promise<void>;
  /** Reachable again, on the same address, with the same users and sessions. */
  up(): Promise<void>;
}

export interface SignInOptions {
  /** Which terminal (default: the test's `scrubIn`). */
  terminal?: ScrubIn;
  /** Defaults to the demo password. */
  password?: string;
}

interface Fixtures {
  /** Configuration of the test's terminal: `test.use({ terminalOptions: { terminal: { idleLockSeconds: 60 } } })`. */
  terminalOptions: TerminalOptions;
  /** local-cognito's admin controls: counts(), failNext(), clearFaults(), disableUser(), rotateSigningKeys()... */
  cognito: LocalCognitoAdmin;
  /** The app under test: screens as page objects, next authorize/logout URL, deliverLink, screenshot. */
  scrubIn: ScrubIn;
  /** Another terminal against the same local-cognito (its own keychain, data folder and window). */
  openTerminal: (options?: TerminalOptions) => Promise<ScrubIn>;
  /**
   * Follows the app's NEXT authorize URL (after a click on Sign in, Unlock or Switch user), does the managed
   * login as the demo user `username` in the "system browser", and delivers the redirect the way the OS does.
   * Resolves with the authorize URL.
   */
  signInAs: (username: string, options?: SignInOptions) => Promise<string>;
  clock: Clock;
  audit: Audit;
  /** The network between the terminals and local-cognito (the hospital sign-in service). */
  signInService: SignInService;
}

interface Options {
  /** Set per project in playwright.config.ts. */
  appKind: AppKind;
}

interface Internal {
  localCognito: LocalCognito;
  terminals: ScrubIn[];
  systemBrowser: BrowserContext;
}

const toMs = (d: Duration): number => (typeof d === 'number' ? d : ((d.hours ?? 0) * 60 + (d.minutes ?? 0)) * 60_000 + (d.seconds ?? 0) * 1000);

export const test = base.extend<Fixtures & Options & { _internal: Internal }>({
  appKind: ['web', { option: true }],
  terminalOptions: [{}, { option: true }],

  _internal: async ({ appKind, browser }, use, testInfo) => {
    // Decided first: where the Electron app cannot run, the test is reported SKIPPED with the reason.
    if (appKind === 'electron') {
      const found = electronTarget();
      testInfo.skip('reason' in found, 'reason' in found ? `electron project: ${found.reason}` : '');
    }
    const localCognito = await startLocalCognito({ admin: true });
    const systemBrowser = await browser.newContext();
    const internal: Internal = { localCognito, terminals: [], systemBrowser };
    await use(internal);
    await systemBrowser.close();
    await localCognito.stop();
  },

  cognito: async ({ _internal }, use) => {
    await use(_internal.localCognito.admin);
  },

  openTerminal: async ({ _internal, appKind, page }, use, testInfo) => {
    const drivers: AppDriver[] = [];
    const failed = () => testInfo.status !== testInfo.expectedStatus;
    await use(async (options = {}) => {
      let driver: AppDriver;
      let core;
      if (appKind === 'electron') {
        const found = electronTarget();
        if (!('target' in found)) throw new Error(found.reason);
        driver = await launchElectron(found.target, _internal.localCognito, { ...options, videoDir: testInfo.outputPath(`video-${drivers.length}`) });
        if (testInfo.retry > 0) await driver.electronApp?.context().tracing.start({ screenshots: true, snapshots: true });
      } else {
        // The first terminal uses Playwright Test's own page (trace, screenshot and video on failure come with it).
        const web = await launchWeb(drivers.length === 0 ? page : await page.context().newPage(), _internal.localCognito, options);
        driver = web;
        core = web.core;
      }
      drivers.push(driver);
      const language = options.terminal?.language === 'ko' ? 'ko' : 'en';
      const terminal = new ScrubIn(driver, testInfo, core, language);
      _internal.terminals.push(terminal);
      return terminal;
    });
    for (const [index, driver] of drivers.entries()) {
      const app = driver.electronApp;
      if (app) {
        if (failed()) await driver.page.screenshot({ path: testInfo.outputPath(`failure-${index}.png`) }).catch(() => undefined);
        if (testInfo.retry > 0) await app.context().tracing.stop({ path: testInfo.outputPath(`trace-${index}.zip`) }).catch(() => undefined);
      }
      await driver.close();
      if (app && !failed()) rmSync(testInfo.outputPath(`video-${index}`), { recursive: true, force: true });
    }
  },

  scrubIn: async ({ openTerminal, terminalOptions }, use) => {
    await use(await openTerminal(terminalOptions));
  },

  signInAs: async ({ _internal, scrubIn }, use) => {
    await use(async (username, options = {}) => {
      const terminal = options.terminal ?? scrubIn;
      const authorizeUrl = await terminal.nextAuthorizeUrl();
      const { callbackUrl, page } = await completeManagedLogin(_internal.systemBrowser, authorizeUrl, _internal.localCognito.config.redirectUri, {
        username,
        password: options.password ?? DEMO_PASSWORD,
      });
      await page.close();
      await terminal.deliverLink(callbackUrl);
      return authorizeUrl;
    });
  },

  clock: async ({ _internal }, use) => {
    let offsetMs = 0;
    await use({
      async advance(duration) {
        const ms = toMs(duration);
        offsetMs += ms;
        // local-cognito moves with the terminals: its Date header, identity-pool expiry and auth_time agree with them.
        _internal.localCognito.admin.setClockOffset(offsetMs / 1000);
        for (const terminal of _internal.terminals) await terminal.driver.advanceClock(ms);
      },
    });
  },

  signInService: async ({ _internal }, use) => {
    await use({
      down: () => _internal.localCognito.stopListening(),
      up: () => _internal.localCognito.listenAgain(),
    });
  },

  audit: async ({ scrubIn }, use) => {
    const verify = (terminal = scrubIn): VerifyResult => verifyAuditLog(terminal.driver.auditPath);
    const records = (terminal = scrubIn): AuditRecord[] => {
      const result = verify(terminal);
      if (!result.ok) throw new Error(`the audit log does not verify: line ${result.line}: ${result.reason}`);
      return result.records;
    };
    await use({
      path: (terminal = scrubIn) => terminal.driver.auditPath,
      verify,
      records,
      events: (terminal) => records(terminal).map((r) => r.event),
    });
  },
});
