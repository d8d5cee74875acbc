/**
 * Shared fixture of the auth-*.test.ts integration tests: a real local-cognito, the real sign-in core
 * with keytar on the run's private Secret Service, and headless Chromium as the system browser.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import type { CustomFetch } from 'openid-client';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognito, type LocalCognitoOptions } from '../../local-cognito';
import { ConfigSchema, type Config } from '../../main/config/schema';
import { createUserPoolAuth, KeytarSecretStore, type UserPoolAuth, type UserPoolAuthOptions, type AuthEvent, type SecretStore } from '../../main/auth';
import { completeManagedLogin } from '../support/browser';

export interface Harness {
  lc: LocalCognito;
  config: Config;
  cacheDir: string;
  events: AuthEvent[];
  store: SecretStore;
  core: UserPoolAuth;
  /** Another core on the same cacheDir and store (a restart). */
  newCore(overrides?: Partial<UserPoolAuthOptions>): UserPoolAuth;
  stop(): Promise<void>;
}

export async function startHarness(
  options: { cognito?: LocalCognitoOptions; service?: string; store?: SecretStore; core?: Partial<UserPoolAuthOptions> } = {},
): Promise<Harness> {
  const lc = await startLocalCognito({ admin: true, ...options.cognito });
  const config = ConfigSchema.parse(lc.config);
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'scrubin-auth-'));
  const events: AuthEvent[] = [];
  const store = options.store ?? new KeytarSecretStore(options.service ?? `ScrubIn-test-${process.pid}`);
  const newCore = (overrides: Partial<UserPoolAuthOptions> = {}) =>
    createUserPoolAuth({ config, store, cacheDir, onEvent: (e) => events.push(e), sleep: () => Promise.resolve(), ...options.core, ...overrides });
  return { lc, config, cacheDir, events, store, core: newCore(), newCore, stop: () => lc.stop() };
}

/** Browser part of a sign-in: managed login as `username`; returns the custom-scheme redirect. */
export async function browserLogin(context: BrowserContext, authorizeUrl: string, username: string): Promise<string> {
  const { callbackUrl, page } = await completeManagedLogin(context, authorizeUrl, 'app.scrubin:/callback', { username, password: DEMO_PASSWORD });
  await page.close();
  return callbackUrl;
}

/** begin -> browser -> complete, in a fresh browser context. */
export async function signInAs(h: Harness, browser: Browser, username: string, core: UserPoolAuth = h.core) {
  const context = await browser.newContext();
  try {
    const { authorizeUrl } = await core.beginSignIn({ forceLogin: true });
    const callbackUrl = await browserLogin(context, authorizeUrl, username);
    return { session: await core.completeSignIn(callbackUrl), callbackUrl };
  } finally {
    await context.close();
  }
}

/** A recording fetch for the core (test-only option): every request URL and token response body. */
export function recordingFetch(): { fetch: CustomFetch; tokenBodies: string[]; urls: string[] } {
  const tokenBodies: string[] = [];
  const urls: string[] = [];
  const recorder: CustomFetch = async (url, init) => {
    urls.push(url);
    const res = await fetch(url, init as RequestInit);
    if (url.endsWith('/oauth2/token')) tokenBodies.push(await res.clone().text());
    return res;
  };
  return { fetch: recorder, tokenBodies, urls };
}
