/**
 * Token vault: the refresh token, and only the refresh token, in the OS keychain (one entry per user,
 * service "ScrubIn", account = Cognito `sub`). ID and access tokens never come here.
 *
 * A locked Linux keyring makes keytar return null silently and drop writes, so the vault does a
 * write-read-verify of a probe entry on first use (and again whenever a read comes back empty), and
 * verifies every write by reading it back. Errors keytar throws are mapped to `keychain_locked` /
 * `keychain_unavailable`.
 */
import { randomBytes } from 'node:crypto';
import { ScrubInError } from '../errors';
import { safeCause } from './map-error';

export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
  /** Every account stored under this store's service (the crash clean-up of a shared terminal finds them all). */
  accounts(): Promise<string[]>;
}

export const KEYCHAIN_SERVICE = 'ScrubIn';
export const PROBE_ACCOUNT = '__scrubin-keychain-probe__';

const LOCKED = /locked|unlock|prompt.*dismissed|user.*cancel/i;

/** keytar's (libsecret's, Keychain's, Credential Manager's) thrown errors in the taxonomy. */
export function mapKeychainError(error: unknown, operation: string): ScrubInError {
  if (error instanceof ScrubInError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (LOCKED.test(message)) {
    return new ScrubInError('keychain_locked', { detail: `keychain ${operation}: the collection is locked`, cause: safeCause(error) });
  }
  return new ScrubInError('keychain_unavailable', { detail: `keychain ${operation} failed`, cause: safeCause(error) });
}

interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/** The OS keychain through keytar (loaded on first use, so a missing native build is an error, not a crash). */
export class KeytarSecretStore implements SecretStore {
  private module: Promise<KeytarModule> | undefined;

  constructor(readonly service: string = KEYCHAIN_SERVICE) {}

  private keytar(): Promise<KeytarModule> {
    this.module ??= import('keytar').then(
      (m) => ((m as { default?: KeytarModule }).default ?? (m as unknown as KeytarModule)),
      (error: unknown) => {
        this.module = undefined;
        throw new ScrubInError('keychain_unavailable', { detail: 'keytar could not be loaded', cause: safeCause(error) });
      },
    );
    return this.module;
  }

  async get(account: string): Promise<string | null> {
    const keytar = await this.keytar();
    try {
      return await keytar.getPassword(this.service, account);
    } catch (error) {
      throw mapKeychainError(error, 'read');
    }
  }

  async set(account: string, secret: string): Promise<void> {
    const keytar = await this.keytar();
    try {
      await keytar.setPassword(this.service, account, secret);
    } catch (error) {
      throw mapKeychainError(error, 'write');
    }
  }

  async delete(account: string): Promise<boolean> {
    const keytar = await this.keytar();
    try {
      return await keytar.deletePassword(this.service, account);
    } catch (error) {
      throw mapKeychainError(error, 'delete');
    }
  }

  async accounts(): Promise<string[]> {
    const keytar = await this.keytar();
    try {
      // keytar has no account-only listing: the secrets are dropped here, at once.
      return (await keytar.findCredentials(this.service)).map((entry) => entry.account);
    } catch (error) {
      throw mapKeychainError(error, 'list');
    }
  }
}

/**
 * In-memory store for unit tests. `state` imitates the failure modes of a real keychain:
 * `locked-silent` is what keytar does on a locked Linux keyring (reads null, writes vanish).
 */
export class MemorySecretStore implements SecretStore {
  readonly entries = new Map<string, string>();
  state: 'open' | 'locked-silent' | 'locked' | 'unavailable' = 'open';
  /** Every call, in order (account names only), for assertions. */
  readonly calls: Array<{ op: 'get' | 'set' | 'delete' | 'accounts'; account: string }> = [];

  private fail(op: string): void {
    if (this.state === 'locked') throw new Error(`Cannot ${op}: cannot create an item in a locked collection`);
    if (this.state === 'unavailable') throw new Error('The name org.freedesktop.secrets was not provided by any .service files');
  }

  get(account: string): Promise<string | null> {
    return this.attempt(() => {
      this.calls.push({ op: 'get', account });
      this.fail('read');
      if (this.state === 'locked-silent') return null;
      return this.entries.get(account) ?? null;
    });
  }

  set(account: string, secret: string): Promise<void> {
    return this.attempt(() => {
      this.calls.push({ op: 'set', account });
      this.fail('write');
      if (this.state !== 'locked-silent') this.entries.set(account, secret);
    });
  }

  delete(account: string): Promise<boolean> {
    return this.attempt(() => {
      this.calls.push({ op: 'delete', account });
      this.fail('delete');
      return this.state === 'locked-silent' ? false : this.entries.delete(account);
    });
  }

  accounts(): Promise<string[]> {
    return this.attempt(() => {
      this.calls.push({ op: 'accounts', account: '*' });
      this.fail('list');
      return this.state === 'locked-silent' ? [] : [...this.entries.keys()];
    });
  }

  private attempt<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** Refresh tokens per user over any SecretStore, with the lock detection described above. */
export class TokenVault {
  private verified = false;

  constructor(private readonly store: SecretStore) {}

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw mapKeychainError(error, operation);
    }
  }

  /** Write-read-verify of a probe entry; throws `keychain_locked` when the value does not come back. */
  async probe(): Promise<void> {
    const value = randomBytes(16).toString('base64url');
    await this.call('probe write', () => this.store.set(PROBE_ACCOUNT, value));
    const seen = await this.call('probe read', () => this.store.get(PROBE_ACCOUNT));
    await this.call('probe delete', () => this.store.delete(PROBE_ACCOUNT)).catch(() => undefined);
    if (seen !== value) {
      this.verified = false;
      throw new ScrubInError('keychain_locked', { detail: 'keychain probe: a value written could not be read back (locked keyring)' });
    }
    this.verified = true;
  }

  private async ensureUsable(): Promise<void> {
    if (!this.verified) await this.probe();
  }

  async save(account: string, refreshToken: string): Promise<void> {
    await this.ensureUsable();
    await this.call('write', () => this.store.set(account, refreshToken));
    const seen = await this.call('read-back', () => this.store.get(account));
    if (seen !== refreshToken) {
      this.verified = false;
      throw new ScrubInError('keychain_locked', { detail: 'keychain write could not be read back (locked keyring)' });
    }
  }

  /** The stored refresh token, or null when there is none (a null read is re-probed: a lock is an error). */
  async load(account: string): Promise<string | null> {
    await this.ensureUsable();
    const value = await this.call('read', () => this.store.get(account));
    if (value !== null) return value;
    this.verified = false;
    await this.probe();
    return null;
  }

  async remove(account: string): Promise<boolean> {
    return this.call('delete', () => this.store.delete(account));
  }

  /** Every account with a stored refresh token (the probe entry excluded); a locked keychain is an error. */
  async accounts(): Promise<string[]> {
    await this.ensureUsable();
    return (await this.call('list', () => this.store.accounts())).filter((account) => account !== PROBE_ACCOUNT);
  }
}
