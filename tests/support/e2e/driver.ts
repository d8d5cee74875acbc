/**
 * One running Scrub In terminal, as the e2e fixtures see it: the real Electron app (electron.ts) or the built
 * renderer in Chromium on the real main-process session (web.ts). Specs never use a driver directly; they use
 * the `scrubIn` fixture (tests/e2e/fixtures.ts), which is the same on both.
 */
import type { ElectronApplication, Page } from '@playwright/test';

export type AppKind = 'electron' | 'web';

export interface TerminalOptions {
  /** Terminal id shown in the UI and written to the audit log. */
  terminalId?: string;
  /** Merged into the `terminal` section of the configuration (mode, idleLockSeconds, sessionCapHours...). */
  terminal?: Record<string, unknown>;
}

export interface AppDriver {
  readonly kind: AppKind;
  /** The app's window (Electron) or the page showing the built renderer (web). */
  readonly page: Page;
  /** The data folder of this terminal (caches, settings); fresh for each test. */
  readonly dataDir: string;
  readonly auditPath: string;
  /** The Electron application (only on the electron project). */
  readonly electronApp: ElectronApplication | undefined;
  /** Every response, pushed view and settings change that crossed the bridge, as JSON (web project only). */
  readonly bridgeTraffic: readonly string[] | undefined;
  /** Resolves with the `index`-th URL the app asked the OS to open (authorize, logout), as soon as it does. */
  waitExternal(index: number): Promise<string>;
  /** Every URL the app has asked the OS to open so far (authorize, logout), in order. */
  externalUrls(): Promise<string[]>;
  /** Hands a URL to the app the way the OS does (second instance on Electron, the same deep-link intake on web). */
  deliverLink(url: string): Promise<void>;
  /** Someone used the terminal's keyboard or mouse in ANOTHER application (the fake OS idle time of the test hooks). */
  systemInput(): Promise<void>;
  /** Moves the app's clock forward (test hooks). */
  advanceClock(ms: number): Promise<void>;
  close(): Promise<void>;
}
