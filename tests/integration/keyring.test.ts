import keytar from 'keytar';
import { describe, expect, it } from 'vitest';
import { KeytarSecretStore, TokenVault } from '../../main/auth';
import { startPrivateKeyring } from '../support/keyring';

const SERVICE = 'ScrubIn-foundation-test';

describe('private Secret Service through keytar', () => {
  it('was started for this run (the workers see its bus, not the host session)', () => {
    expect(process.env.SCRUBIN_TEST_KEYRING).toBe('1');
    expect(process.env.DBUS_SESSION_BUS_ADDRESS).toMatch(/^unix:/);
    expect(process.env.XDG_DATA_HOME).toContain('scrubin-keyring-');
  });

  it('stores, reads and deletes a secret, and the Secret Service itself holds it', async () => {
    const account = `nurse-${process.pid}`;
    await keytar.setPassword(SERVICE, account, 'refresh-token-value');
    expect(await keytar.getPassword(SERVICE, account)).toBe('refresh-token-value');

    // Outside keytar: libsecret's secret-tool asks the same service over D-Bus.
    const keyring = { env: process.env as Record<string, string> };
    const { execFileSync } = await import('node:child_process');
    const seen = execFileSync('secret-tool', ['lookup', 'service', SERVICE, 'account', account], { env: keyring.env }).toString();
    expect(seen).toBe('refresh-token-value');

    expect(await keytar.deletePassword(SERVICE, account)).toBe(true);
    expect(await keytar.getPassword(SERVICE, account)).toBeNull();
    expect(() => execFileSync('secret-tool', ['lookup', 'service', SERVICE, 'account', account], { env: keyring.env })).toThrow();
  });

  it('KeytarSecretStore.accounts lists every account of its service and only that service (crash clean-up, security defect 3)', async () => {
    const service = `ScrubIn-accounts-${process.pid}`;
    const store = new KeytarSecretStore(service);
    await store.set('sub-nurse', 'rt-1');
    await store.set('sub-surgeon', 'rt-2');
    await keytar.setPassword(`${service}-other`, 'sub-elsewhere', 'rt-3');
    try {
      expect((await store.accounts()).sort()).toEqual(['sub-nurse', 'sub-surgeon']);
      // The vault probes the keychain first and never reports its probe entry as an account.
      expect((await new TokenVault(store).accounts()).sort()).toEqual(['sub-nurse', 'sub-surgeon']);
    } finally {
      await store.delete('sub-nurse');
      await store.delete('sub-surgeon');
      await keytar.deletePassword(`${service}-other`, 'sub-elsewhere');
    }
    expect(await store.accounts()).toEqual([]);
  });

  it('a second private keyring can be locked, after which writes fail and reads return null', async () => {
    const other = await startPrivateKeyring();
    try {
      await other.lock();
      // secret-tool (a separate process) sees the lock: the item cannot be read.
      expect(await other.lookup({ service: SERVICE, account: 'x' })).toBeNull();
    } finally {
      await other.stop();
    }
  });
});
