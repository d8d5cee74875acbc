/**
 * Full sign-in per demo user against local-cognito, with keytar on the private Secret Service and
 * Chromium as the system browser: begin -> managed login -> redirect -> complete -> refresh token in
 * the Secret Service (seen by secret-tool, outside keytar) -> refresh -> sign-out -> the old refresh
 * token is refused and the keychain entry is gone.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { signInAs, startHarness, type Harness } from './auth-harness';
import { rawRefresh } from '../support/local-cognito';

const run = promisify(execFile);

async function secretToolLookup(sub: string): Promise<string | null> {
  try {
    const { stdout } = await run('secret-tool', ['lookup', 'service', 'ScrubIn', 'account', sub], { env: process.env, timeout: 10_000 });
    return stdout;
  } catch (error) {
    if ((error as { code?: number }).code === 1) return null;
    throw error;
  }
}

let h: Harness;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness({ service: 'ScrubIn' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
  await h.stop();
});

const USERS = ['nurse', 'surgeon', 'anesthesiologist', 'itadmin', 'charge', 'float'] as const;

describe('full sign-in flow per demo user', () => {
  for (const username of USERS) {
    it(`${username}: sign in, keychain, refresh, sign out, old refresh token refused`, async () => {
      const user = h.lc.users.find((u) => u.username === username);
      expect(user).toBeDefined();
      const { session } = await signInAs(h, browser, username);
      expect(session.sub).toBe(user?.sub);
      expect(session.username).toBe(username);
      expect(session.displayName).toBe(user?.name);
      expect(session.email).toBe(user?.email);
      expect(session.groups).toEqual(user?.groups);
      expect(session.roles).toHaveLength(user?.groups.length ?? -1);
      expect(JSON.stringify(session)).not.toMatch(/eyJ/); // no JWT in the session

      const stored = await secretToolLookup(session.sub);
      expect(stored).toBeTruthy();
      const refreshToken = stored ?? '';
      expect((await rawRefresh(h.lc, refreshToken)).status).toBe(200); // a live refresh token

      h.lc.admin.resetCounts();
      const before = await h.core.getTokens();
      const refreshed = await h.core.refresh({ force: true });
      const after = await h.core.getTokens();
      expect(h.lc.admin.counts().token).toBe(1);
      expect(refreshed.sub).toBe(session.sub);
      expect(after.idToken).not.toBe(before.idToken);
      expect(after.accessToken).not.toBe(before.accessToken);

      const result = await h.core.signOut();
      expect(result.revoked).toBe(true);
      expect(result.errors).toEqual([]);
      const logout = new URL(result.logoutUrl);
      expect(`${logout.origin}${logout.pathname}`).toBe(`${h.lc.origin}/logout`);
      expect(logout.searchParams.get('client_id')).toBe(h.lc.clientId);
      expect(logout.searchParams.get('logout_uri')).toBe(h.config.logoutUri);
      expect(h.core.currentSession()).toBeNull();
      await expect(h.core.getTokens()).rejects.toMatchObject({ code: 'signed_out' });

      expect(await rawRefresh(h.lc, refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
      expect(await secretToolLookup(session.sub)).toBeNull();
    });
  }
});
