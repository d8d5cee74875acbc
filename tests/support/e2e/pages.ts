/**
 * Page objects, one per screen. Locators are accessible roles and names first; `data-testid` only where a role is
 * ambiguous (the facts list of the signed-in screen). No locator contains a person's display name: people are
 * checked by user name (`expectUser('nurse')`). The names come from the renderer's message catalogue of the
 * terminal's language (`words`), so the same page objects drive the English and the Korean screens.
 */
import { expect, type Locator, type Page } from '@playwright/test';
import en from '../../../renderer/src/i18n/en.json' with { type: 'json' };
import ko from '../../../renderer/src/i18n/ko.json' with { type: 'json' };

export type Words = typeof en;
export const WORDS = { en, ko } satisfies Record<string, Words>;
export type Language = keyof typeof WORDS;

/** A catalogue text with {{placeholders}} as a whole-text pattern ("Unlock as {{name}}" -> /^Unlock as .+$/). */
export function pattern(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{\\\{\w+\\\}\\\}/g, '.+')}$`);
}

const title = (page: Page, name: string | RegExp): Locator => page.getByRole('heading', { level: 1, name });

export class SignedOutScreen {
  readonly heading: Locator;
  readonly signIn: Locator;
  readonly continueAsGuest: Locator;
  /** The terminal's own text size (sign-in and lock screens). */
  readonly textSize: TerminalTextSize;
  constructor(readonly page: Page, w: Words = en) {
    this.heading = title(page, w.signedOut.title);
    this.signIn = page.getByRole('button', { name: w.signedOut.signIn, exact: true });
    this.continueAsGuest = page.getByRole('button', { name: w.signedOut.guest });
    this.textSize = new TerminalTextSize(page, w);
  }
  async expectShown(): Promise<void> {
    await expect(this.heading).toBeVisible();
  }
}

export class GuestScreen {
  readonly heading: Locator;
  readonly signIn: Locator;
  constructor(readonly page: Page, w: Words = en) {
    this.heading = title(page, w.signedIn.guestTitle);
    this.signIn = page.getByRole('button', { name: w.signedIn.signIn, exact: true });
  }
  async expectShown(): Promise<void> {
    await expect(this.heading).toBeVisible();
  }
}

/** "Finish signing in in the browser" (sign-in, switch user) or "Unlocking for …" (unlock). */
export class WaitingForBrowserScreen {
  readonly heading: Locator;
  readonly cancel: Locator;
  constructor(readonly page: Page, w: Words = en) {
    const unlocking = [w.waiting.unlockTitle, w.waiting.unlockTitleNobody].map((t) => pattern(t).source);
    this.heading = title(page, new RegExp(`${pattern(w.waiting.signInTitle).source}|${unlocking.join('|')}`));
    this.cancel = page.getByRole('button', { name: w.waiting.cancel });
  }
  async expectShown(): Promise<void> {
    await expect(this.heading).toBeVisible();
  }
}

export class SignedInScreen {
  readonly heading: Locator;
  /** "<display name> (<user name>)". */
  readonly user: Locator;
  readonly role: Locator;
  readonly lock: Locator;
  readonly signOut: Locator;
  /** "Hospital systems": connected or not, in plain words. */
  readonly access: Locator;
  /** The disclosure with the technical detail for IT (AWS credentials, IAM role). */
  readonly technicalDetails: Locator;
  constructor(readonly page: Page, w: Words = en) {
    this.heading = title(page, pattern(w.signedIn.title));
    this.user = page.getByTestId('signed-in-user');
    this.role = page.getByTestId('signed-in-role');
    this.access = page.getByTestId('signed-in-access');
    this.technicalDetails = page.getByRole('group').filter({ has: page.getByText(w.signedIn.technical, { exact: true }) });
    this.lock = page.getByRole('button', { name: w.signedIn.lock, exact: true });
    this.signOut = page.getByRole('button', { name: w.signedIn.signOut, exact: true });
  }
  async expectShown(): Promise<void> {
    await expect(this.heading).toBeVisible();
  }
  /** The signed-in screen shows `username` (the demo user's login name, never the display name). */
  async expectUser(username: string): Promise<void> {
    await expect(this.user).toHaveText(new RegExp(`\\(${username}\\)$`));
  }
}

export class LockedScreen {
  readonly heading: Locator;
  /** "Unlock as <the person holding the terminal>". */
  readonly unlock: Locator;
  readonly switchUser: Locator;
  readonly textSize: TerminalTextSize;
  constructor(readonly page: Page, w: Words = en) {
    this.heading = title(page, w.locked.title);
    this.unlock = page.getByRole('button', { name: new RegExp(`${pattern(w.locked.unlock).source}|${pattern(w.locked.unlockNobody).source}`) });
    this.switchUser = page.getByRole('button', { name: w.locked.switchUser });
    this.textSize = new TerminalTextSize(page, w);
  }
  async expectShown(): Promise<void> {
    await expect(this.heading).toBeVisible();
  }
}

/** The on-screen PIN keypad (lock screen, or setting a PIN on the signed-in screen): one tap per digit. */
export class Keypad {
  readonly group: Locator;
  readonly alert: Locator;
  constructor(readonly page: Page, scope: Locator, w: Words = en) {
    this.group = scope.getByRole('group', { name: w.pin.keypad });
    this.alert = scope.getByRole('alert');
  }
  key(digit: string): Locator {
    return this.group.getByRole('button', { name: digit, exact: true });
  }
  /** Taps the digits one by one (the keypad sends the PIN by itself after the last one). Returns the taps. */
  async enter(pin: string): Promise<number> {
    for (const digit of pin) await this.key(digit).click();
    return pin.length;
  }
}

/** "Set a PIN for quick unlock" on the signed-in screen. */
export class SetPinPanel {
  readonly region: Locator;
  readonly offer: Locator;
  readonly keypad: Keypad;
  readonly done: Locator;
  constructor(readonly page: Page, private readonly w: Words = en) {
    this.region = page.getByRole('region', { name: /PIN/ });
    this.offer = page.getByRole('button', { name: w.pin.offer });
    this.keypad = new Keypad(page, page.getByRole('main'), w);
    this.done = page.getByRole('status').filter({ hasText: w.pin.done });
  }
  /** Offer -> PIN -> the same PIN again. */
  async setPin(pin: string): Promise<void> {
    await this.offer.click();
    await this.keypad.enter(pin);
    await expect(this.page.getByRole('heading', { name: this.w.pin.again })).toBeVisible();
    await this.keypad.enter(pin);
    await expect(this.done).toBeVisible();
  }
}

/** The lock screen's PIN unlock (shown only while the PIN can unlock). */
export class PinUnlockPanel {
  readonly region: Locator;
  readonly keypad: Keypad;
  constructor(readonly page: Page, w: Words = en) {
    this.region = page.getByRole('region', { name: w.pin.unlockHeading });
    this.keypad = new Keypad(page, this.region, w);
  }
  async expectShown(): Promise<void> {
    await expect(this.region).toBeVisible();
  }
}

/** The full-width countdown before the idle lock. */
export class LockWarningBanner {
  readonly countdown: Locator;
  readonly announcement: Locator;
  constructor(readonly page: Page, w: Words = en) {
    this.countdown = page.getByRole('timer');
    this.announcement = page.getByRole('alert').filter({ hasText: pattern(w.lockWarning.announce) });
  }
}

/** A sign-in that failed: the alert banner above the Sign in button says why, with the reference code for IT. */
export class ErrorScreen {
  readonly alert: Locator;
  readonly signIn: Locator;
  constructor(readonly page: Page, private readonly w: Words = en) {
    this.alert = page.getByRole('main').getByRole('alert');
    this.signIn = page.getByRole('button', { name: w.signedOut.signIn, exact: true });
  }
  async expectMessage(message: RegExp | string): Promise<void> {
    await expect(this.alert).toContainText(message);
  }
  /** The reference code people read out to IT, e.g. "SI-DENIED". */
  async expectReference(code: string): Promise<void> {
    await expect(this.alert).toContainText(this.w.errors.reference.replace('{{code}}', code));
  }
}

/**
 * No connection to the hospital sign-in service (SI-OFFLINE): shown instead of opening the browser. It says when the
 * next automatic check comes; Retry starts the interrupted step again at once.
 */
export class OfflineScreen {
  readonly heading: Locator;
  readonly alert: Locator;
  /** "Scrub In checks again by itself and continues when the connection is back." (announced once) */
  readonly status: Locator;
  /** "Next check in N s." (a timer: it ticks without being read out) */
  readonly nextCheck: Locator;
  readonly retry: Locator;
  constructor(readonly page: Page, private readonly w: Words = en) {
    this.heading = title(page, w.offline.title);
    this.alert = page.getByRole('main').getByRole('alert');
    this.status = page.getByRole('main').getByRole('status');
    this.nextCheck = page.getByRole('main').getByRole('timer');
    this.retry = page.getByRole('button', { name: w.offline.retry, exact: true });
  }
  async expectShown(): Promise<void> {
    await expect(this.heading).toBeVisible();
    await expect(this.alert).toContainText(this.w.errors.reference.replace('{{code}}', 'SI-OFFLINE'));
  }
  /** The seconds to the next automatic check, as the screen shows them. */
  async secondsToNextCheck(): Promise<number> {
    const text = (await this.nextCheck.textContent()) ?? '';
    const seconds = /\d+/.exec(text);
    if (!pattern(this.w.offline.nextCheck).test(text) || !seconds) throw new Error(`no "next check" on the offline screen: "${text}"`);
    return Number(seconds[0]);
  }
}

/** "Text size on this terminal" on the sign-in and lock screens (remembered for the terminal, not the person). */
export class TerminalTextSize {
  readonly group: Locator;
  constructor(readonly page: Page, private readonly w: Words = en) {
    this.group = page.getByRole('group', { name: w.terminalTextSize });
  }
  choice(size: 'normal' | 'large' | 'extra-large'): Locator {
    return this.group.getByRole('radio', { name: this.w.textSize[size], exact: true });
  }
}

/** "My preferences" on the signed-in screen (saved per person, follows them between terminals). */
export class PreferencesPanel {
  readonly region: Locator;
  readonly favouriteRoom: Locator;
  readonly status: Locator;
  constructor(readonly page: Page, private readonly w: Words = en) {
    this.region = page.getByRole('region', { name: w.prefs.title });
    this.favouriteRoom = this.region.getByLabel(w.prefs.favouriteRoom);
    this.status = this.region.getByRole('status');
  }
  textSize(label: 'Normal' | 'Large' | 'Extra large'): Locator {
    const size = ({ Normal: 'normal', Large: 'large', 'Extra large': 'extra-large' } as const)[label];
    return this.region.getByRole('radio', { name: this.w.textSize[size], exact: true });
  }
  async expectSaved(): Promise<void> {
    await expect(this.status).toHaveText(this.w.prefs.saved);
  }
}

/** "Today in <terminal>": the case board of the signed-in screen (renderer/src/caseboard/CaseBoard.tsx). */
export class CaseBoard {
  readonly region: Locator;
  readonly rows: Locator;
  readonly status: Locator;
  readonly alert: Locator;
  readonly refresh: Locator;
  constructor(
    readonly page: Page,
    private readonly w: Words = en,
  ) {
    this.region = page.getByRole('region', { name: pattern(w.caseBoard.title) });
    this.rows = this.region.getByRole('row').filter({ has: page.getByRole('cell') });
    this.status = this.region.getByRole('status');
    this.alert = this.region.getByRole('alert');
    this.refresh = this.region.getByRole('button', { name: new RegExp(`${pattern(w.caseBoard.refresh).source}|${pattern(w.caseBoard.refreshing).source}`) });
  }
  /** The row of the case starting at `time` as the board shows it ("09:45" in English). */
  row(time: string): Locator {
    return this.rows.filter({ has: this.page.getByRole('cell', { name: time, exact: true }) });
  }
  /** The status-change button of the case at `time`. */
  mark(time: string): Locator {
    return this.row(time).getByRole('button', { name: this.markButtons });
  }
  /** Any status-change button ("Mark patient in room: 09:45 …"). */
  get markButtons(): RegExp {
    const actions = Object.values(this.w.caseBoard.markAs).map((a) => pattern(this.w.caseBoard.markFor.replace('{{action}}', a)).source);
    return new RegExp(actions.join('|'));
  }
  /** The catalogue text of a status ("in-room" -> "Patient in room"). */
  statusText(status: keyof Words['caseBoard']['status']): string {
    return this.w.caseBoard.status[status];
  }
  async expectLoaded(): Promise<void> {
    await expect(this.status).toHaveText(pattern(this.w.caseBoard.updated));
  }
}
