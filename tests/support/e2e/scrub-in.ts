/**
 * What a spec holds as `scrubIn`: one running terminal (Electron app or web variant), its screens as page
 * objects, the URLs it asks the OS to open, and screenshots for testers and designers.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ElectronApplication, Page, TestInfo } from '@playwright/test';
import type { ScrubInApp as Core } from '../../../main/app';
import type { AppDriver, AppKind } from './driver';
import {
  ErrorScreen,
  GuestScreen,
  LockedScreen,
  LockWarningBanner,
  OfflineScreen,
  PinUnlockPanel,
  PreferencesPanel,
  SetPinPanel,
  SignedInScreen,
  SignedOutScreen,
  WaitingForBrowserScreen,
  WORDS,
  type Language,
  type Words,
} from './pages';

const isAuthorize = (url: string): boolean => url.includes('/oauth2/authorize');
const isLogout = (url: string): boolean => url.includes('/logout?');

export class ScrubIn {
  readonly page: Page;
  readonly kind: AppKind;
  readonly signedOut: SignedOutScreen;
  readonly guest: GuestScreen;
  readonly waitingForBrowser: WaitingForBrowserScreen;
  readonly signedIn: SignedInScreen;
  readonly locked: LockedScreen;
  readonly error: ErrorScreen;
  readonly offline: OfflineScreen;
  readonly preferences: PreferencesPanel;
  /** The terminal's message catalogue (its `terminal.language`): what the page objects look for. */
  readonly words: Words;
  readonly setPin: SetPinPanel;
  readonly pinUnlock: PinUnlockPanel;
  readonly lockWarning: LockWarningBanner;
  private authorizeCursor = 0;
  private logoutCursor = 0;

  constructor(
    readonly driver: AppDriver,
    private readonly testInfo: TestInfo,
    /** The web variant's main-process composition (undefined on Electron). */
    readonly core: Core | undefined,
    /** The terminal's configured language (the e2e terminals are English unless a spec sets terminal.language). */
    readonly language: Language = 'en',
  ) {
    this.page = driver.page;
    this.kind = driver.kind;
    const w = (this.words = WORDS[language]);
    this.signedOut = new SignedOutScreen(this.page, w);
    this.guest = new GuestScreen(this.page, w);
    this.waitingForBrowser = new WaitingForBrowserScreen(this.page, w);
    this.signedIn = new SignedInScreen(this.page, w);
    this.locked = new LockedScreen(this.page, w);
    this.error = new ErrorScreen(this.page, w);
    this.offline = new OfflineScreen(this.page, w);
    this.preferences = new PreferencesPanel(this.page, w);
    this.setPin = new SetPinPanel(this.page, w);
    this.pinUnlock = new PinUnlockPanel(this.page, w);
    this.lockWarning = new LockWarningBanner(this.page, w);
  }

  /** Someone typed or clicked in ANOTHER application on this terminal (the OS idle time starts again). */
  inputElsewhere(): Promise<void> {
    return this.driver.systemInput();
  }

  /** The Electron application (electron project only). */
  get electronApp(): ElectronApplication | undefined {
    return this.driver.electronApp;
  }

  /** The data folder of this terminal (fresh for each test): caches, `settings/`. */
  get dataDir(): string {
    return this.driver.dataDir;
  }

  /** The next authorize URL the app opens after the ones already taken (waits for it; resolved by main, no polling). */
  nextAuthorizeUrl(): Promise<string> {
    return this.next(isAuthorize, 'authorize');
  }

  /** The next Cognito /logout URL the app opens. */
  nextLogoutUrl(): Promise<string> {
    return this.next(isLogout, 'logout');
  }

  /** Every URL the app has asked the OS to open so far (the system browser: authorize, logout). */
  externalUrls(): Promise<string[]> {
    return this.driver.externalUrls();
  }

  /** Hands a URL to the app the way the OS does (a forged callback, an error redirect...). */
  deliverLink(url: string): Promise<void> {
    return this.driver.deliverLink(url);
  }

  /**
   * Saves a full-page screenshot as test-results/screens/<project>/<name>.png (kept after passing runs, for
   * testers and designers) and attaches it to the report.
   */
  async screenshot(name: string): Promise<void> {
    const dir = path.resolve('test-results/screens', this.testInfo.project.name);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    await this.testInfo.attach(name, { path: file, contentType: 'image/png' });
  }

  /** Serious and critical axe-core findings on the current screen, as "id: help". */
  async accessibilityProblems(): Promise<string[]> {
    const result = await new AxeBuilder({ page: this.page }).analyze();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  }

  private async next(matches: (url: string) => boolean, kind: 'authorize' | 'logout'): Promise<string> {
    for (;;) {
      const index = kind === 'authorize' ? this.authorizeCursor++ : this.logoutCursor++;
      const url = await this.driver.waitExternal(index);
      if (matches(url)) return url;
    }
  }
}
