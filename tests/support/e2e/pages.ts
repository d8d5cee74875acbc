/**
 * Page objects, one per screen. Locators are accessible roles and names first; `data-testid` only where a role is
 * ambiguous (the facts list of the signed-in screen). No locator contains a person's display name: people are
 * checked by user name (`expectUser('nurse')`).
 */
import { expect, type Locator, type Page } from '@playwright/test';

const title = (page: Page, name: string | RegExp): Locator => page.getByRole('heading', { level: 1, name });

export class SignedOutScreen {
  readonly heading: Locator;
  readonly signIn: Locator;
  readonly continueAsGuest: Locator;
  constructor(readonly page: Page) {
    this.heading = title(page, 'Sign in to this terminal');
    this.signIn = page.getByRole('button', { name: 'Sign in', exact: true });
    this.continueAsGuest = page.getByRole('button', { name: 'Continue as guest' });
  }
  async expectShown(): Promise<void> {
    await expect(this.heading).toBeVisible();
  }
}

export class GuestScreen {
  readonly heading: Locator;
  readonly signIn: Locator;
  constructor(readonly page: Page) {
    this.heading = title(page, 'Guest mode');
    this.signIn = page.getByRole('button', { name: 'Sign in', exact: true });
  }
  async expectShown(): Promise<void> {
    await expect(this.heading).toBeVisible();
  }
}

/** "Finish signing in in the browser" (sign-in, switch user) or "Unlocking for …" (unlock). */
export class WaitingForBrowserScreen {
  readonly heading: Locator;
  readonly cancel: Locator;
  constructor(readonly page: Page) {
    this.heading = title(page, /^(Finish signing in in the browser|Unlocking for )/);
    this.cancel = page.getByRole('button', { name: 'Cancel' });
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
  constructor(readonly page: Page) {
    this.heading = title(page, /^Signed in: /);
    this.user = page.getByTestId('signed-in-user');
    this.role = page.getByTestId('signed-in-role');
    this.lock = page.getByRole('button', { name: 'Lock', exact: true });
    this.signOut = page.getByRole('button', { name: 'Sign out', exact: true });
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
  constructor(readonly page: Page) {
    this.heading = title(page, 'Terminal locked');
    this.unlock = page.getByRole('button', { name: /^Unlock as / });
    this.switchUser = page.getByRole('button', { name: 'Switch user' });
  }
  async expectShown(): Promise<void> {
    await expect(this.heading).toBeVisible();
  }
}

/** A sign-in that failed: the alert banner above the Sign in button says why. */
export class ErrorScreen {
  readonly alert: Locator;
  readonly signIn: Locator;
  constructor(readonly page: Page) {
    this.alert = page.getByRole('main').getByRole('alert');
    this.signIn = page.getByRole('button', { name: 'Sign in', exact: true });
  }
  async expectMessage(message: RegExp): Promise<void> {
    await expect(this.alert).toHaveText(message);
  }
}

/** "My preferences" on the signed-in screen (saved per person, follows them between terminals). */
export class PreferencesPanel {
  readonly region: Locator;
  readonly favouriteRoom: Locator;
  readonly status: Locator;
  constructor(readonly page: Page) {
    this.region = page.getByRole('region', { name: 'My preferences' });
    this.favouriteRoom = this.region.getByLabel('Favourite OR');
    this.status = this.region.getByRole('status');
  }
  textSize(label: 'Normal' | 'Large' | 'Extra large'): Locator {
    return this.region.getByRole('radio', { name: label, exact: true });
  }
  async expectSaved(): Promise<void> {
    await expect(this.status).toHaveText('Your preferences are saved.');
  }
}

/** "Today in <terminal>": the case board of the signed-in screen (renderer/src/caseboard/CaseBoard.tsx). */
export class CaseBoard {
  readonly region: Locator;
  readonly rows: Locator;
  readonly status: Locator;
  readonly alert: Locator;
  readonly refresh: Locator;
  constructor(readonly page: Page) {
    this.region = page.getByRole('region', { name: /^Today in / });
    this.rows = this.region.getByRole('row').filter({ has: page.getByRole('cell') });
    this.status = this.region.getByRole('status');
    this.alert = this.region.getByRole('alert');
    this.refresh = this.region.getByRole('button', { name: /^(Refresh|Refreshing…)$/ });
  }
  /** The row of the case starting at `time` ("09:45"). */
  row(time: string): Locator {
    return this.rows.filter({ has: this.page.getByRole('cell', { name: time, exact: true }) });
  }
  /** The status-change button of the case at `time`. */
  mark(time: string): Locator {
    return this.row(time).getByRole('button', { name: /^Mark / });
  }
  async expectLoaded(): Promise<void> {
    await expect(this.status).toHaveText(/^Updated at /);
  }
}
