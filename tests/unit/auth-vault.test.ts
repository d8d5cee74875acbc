/** Token vault: lock detection by write-read-verify, error mapping, and keytar on the run's Secret Service. */
import { describe, expect, it } from 'vitest';
import { KeytarSecretStore, mapKeychainError, MemorySecretStore, PROBE_ACCOUNT, TokenVault } from '../../main/auth/vault';

describe('TokenVault over MemorySecretStore', () => {
  it('probes once, then stores, reads back and removes refresh tokens per account', async () => {
    const store = new MemorySecretStore();
    const vault = new TokenVault(store);
    await vault.save('sub-1', 'rt-1');
    expect(store.calls.filter((c) => c.account === PROBE_ACCOUNT).map((c) => c.op)).toEqual(['set', 'get', 'delete']);
    expect(await vault.load('sub-1')).toBe('rt-1');
    expect(store.entries.has(PROBE_ACCOUNT)).toBe(false);
    expect(await vault.remove('sub-1')).toBe(true);
    expect(await vault.load('sub-1')).toBeNull();
  });

  it('a silently locked keychain (null reads, lost writes) is detected as keychain_locked, not "no token"', async () => {
    const store = new MemorySecretStore();
    const vault = new TokenVault(store);
    await vault.save('sub-1', 'rt-1');
    store.state = 'locked-silent';
    await expect(vault.load('sub-1')).rejects.toMatchObject({ code: 'keychain_locked' });
    await expect(vault.save('sub-1', 'rt-2')).rejects.toMatchObject({ code: 'keychain_locked' });
    store.state = 'open';
    expect(await vault.load('sub-1')).toBe('rt-1');
  });

  it('maps thrown keychain errors', async () => {
    const store = new MemorySecretStore();
    store.state = 'locked';
    await expect(new TokenVault(store).save('a', 'b')).rejects.toMatchObject({ code: 'keychain_locked' });
    store.state = 'unavailable';
    await expect(new TokenVault(store).load('a')).rejects.toMatchObject({ code: 'keychain_unavailable' });
    expect(mapKeychainError(new Error('Cannot create an item in a locked collection'), 'write').code).toBe('keychain_locked');
    expect(mapKeychainError(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'), 'read').code).toBe('keychain_unavailable');
    expect(mapKeychainError(new Error('secret'), 'read').message).not.toContain('secret');
  });
});

describe.skipIf(process.env.SCRUBIN_TEST_KEYRING !== '1')('KeytarSecretStore on the run-wide private Secret Service', () => {
  it('write-read-verify works and leaves no probe entry behind', async () => {
    const store = new KeytarSecretStore(`ScrubIn-unit-${process.pid}`);
    const vault = new TokenVault(store);
    await vault.probe();
    expect(await store.get(PROBE_ACCOUNT)).toBeNull();
    await vault.save('sub-x', 'rt-x');
    expect(await store.get('sub-x')).toBe('rt-x');
    expect(await vault.remove('sub-x')).toBe(true);
    expect(await vault.load('sub-x')).toBeNull();
  });
});
