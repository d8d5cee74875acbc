/**
 * Keychain failures. keytar binds to the process's D-Bus session, and the run-wide keyring must stay
 * unlocked for the other tests, so the locked-keyring check runs the vault in CHILD processes whose
 * environment points at a second, private keyring that this test locks. The core-level behaviour
 * (sign-in with a locked keychain) uses MemorySecretStore in its keytar-like locked modes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../main/auth';
import { launchChromium } from '../support/browser';
import { startPrivateKeyring, type PrivateKeyring } from '../support/keyring';
import { signInAs, startHarness } from './auth-harness';
import { rawRefresh } from '../support/local-cognito';

const run = promisify(execFile);
const VAULT = path.resolve('main/auth/vault.ts');

/** Runs save + load of the real KeytarSecretStore-backed vault in a child process on `keyring`. */
async function vaultInChild(keyring: Pick<PrivateKeyring, 'env'>, action: 'save' | 'load'): Promise<{ ok: boolean; code?: string; value?: string | null }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-vault-child-'));
  const script = path.join(dir, 'child.mts');
  writeFileSync(
    script,
    `import { KeytarSecretStore, TokenVault } from ${JSON.stringify(VAULT)};
const vault = new TokenVault(new KeytarSecretStore('ScrubIn-locktest'));
const action = process.argv[2];
try {
  if (action === 'save') { await vault.save('user-1', 'rt-value'); console.log(JSON.stringify({ ok: true })); }
  else { console.log(JSON.stringify({ ok: true, value: await vault.load('user-1') })); }
} catch (error) { console.log(JSON.stringify({ ok: false, code: (error as { code?: string }).code })); }
`,
  );
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, action], {
    env: { ...process.env, ...keyring.env },
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { ok: boolean; code?: string; value?: string | null };
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

describe('locked keyring (real gnome-keyring, child processes)', () => {
  it('works while unlocked; once locked, writes and reads fail with keychain_locked instead of returning null', async () => {
    const keyring = await startPrivateKeyring();
    try {
      expect(await vaultInChild(keyring, 'save')).toEqual({ ok: true });
      expect(await vaultInChild(keyring, 'load')).toEqual({ ok: true, value: 'rt-value' });
      await keyring.lock();
      expect(await vaultInChild(keyring, 'save')).toEqual({ ok: false, code: 'keychain_locked' });
      expect(await vaultInChild(keyring, 'load')).toEqual({ ok: false, code: 'keychain_locked' });
    } finally {
      await keyring.stop();
    }
  });

  it('no Secret Service at all (no D-Bus session): keychain_unavailable', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'scrubin-nobus-'));
    const env = { HOME: home, XDG_DATA_HOME: home, XDG_RUNTIME_DIR: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` };
    expect(await vaultInChild({ env }, 'save')).toEqual({ ok: false, code: 'keychain_unavailable' });
  });
});

describe('sign-in with a locked keychain (core against local-cognito)', () => {
  for (const state of ['locked-silent', 'locked', 'unavailable'] as const) {
    it(`${state}: completeSignIn fails with the keychain error, no session, the refresh token is revoked`, async () => {
      const store = new MemorySecretStore();
      store.state = state;
      const h = await startHarness({ store });
      try {
        const attempt = await signInAs(h, browser, 'nurse').then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(attempt).toMatchObject({ code: state === 'unavailable' ? 'keychain_unavailable' : 'keychain_locked' });
        expect(h.core.currentSession()).toBeNull();
        expect(h.events).toContainEqual(expect.objectContaining({ type: 'keychain-error' }));
        expect(h.lc.admin.counts().revoke).toBe(1);
      } finally {
        await h.stop();
      }
    });
  }
});

describe('sign-out while the keychain is locked', () => {
  it('keeps the leftover pointer so the token is revoked and deleted once the keychain is back', async () => {
    const store = new MemorySecretStore();
    const h = await startHarness({ store });
    try {
      const { session } = await signInAs(h, browser, 'nurse');
      const refreshToken = store.entries.get(session.sub) ?? '';
      expect(refreshToken).not.toBe('');
      store.state = 'locked';
      const out = await h.core.signOut();
      expect(out.errors.map((e) => e.code)).toContain('keychain_locked');
      expect(h.core.currentSession()).toBeNull(); // memory is wiped regardless
      expect(await h.core.leftoverAccount()).toEqual({ sub: session.sub, username: 'nurse' });

      store.state = 'open';
      const later = h.newCore();
      expect(await later.leftoverAccount()).toEqual({ sub: session.sub, username: 'nurse' });
      const retry = await later.signOut();
      expect(retry).toMatchObject({ revoked: true, errors: [] });
      expect(store.entries.size).toBe(0);
      expect(await later.leftoverAccount()).toBeNull();
      expect((await rawRefresh(h.lc, refreshToken)).status).toBe(400);
    } finally {
      await h.stop();
    }
  });
});
