/**
 * The session the core holds: who is signed in and their tokens (memory only), the refresh token in the OS
 * keychain (the vault) and the non-secret last-account pointer. A session exists only once its refresh token is
 * in the keychain; a generation number outdates work that started before the session was replaced or ended.
 */
import type { Clock } from '../clock';
import { ScrubInError, toScrubInError } from '../errors';
import { sessionFromClaims, type IdTokenClaims } from './id-token';
import type { LastAccountPointer } from './last-account';
import type { Operations, TokenResponse } from './operations';
import type { AuthEvent, AuthSession, Tokens } from './types';
import type { TokenVault } from './vault';

/** A code exchange that passed every check: the claims, the token response and its refresh token. */
export interface Exchanged {
  claims: IdTokenClaims;
  tokens: TokenResponse;
  refreshToken: string;
}

export interface HeldSessionOptions {
  vault: TokenVault;
  lastAccount: LastAccountPointer;
  operations: Operations;
  clock: Clock;
  emit: (event: AuthEvent) => void;
  /**
   * Shared terminals: a sign-in whose last-account pointer cannot be written is refused (its token revoked and
   * deleted), so nothing a crash could leave behind exists without a record of it.
   */
  requirePointer: boolean;
}

export class HeldSession {
  session: AuthSession | undefined;
  tokens: Tokens | undefined;
  /** Bumped whenever the session is replaced or ended, so a late refresh cannot resurrect it. */
  generation = 0;

  constructor(private readonly o: HeldSessionOptions) {}

  get vault(): TokenVault {
    return this.o.vault;
  }

  get lastAccount(): LastAccountPointer {
    return this.o.lastAccount;
  }

  /** A copy of the current session (null when nobody is signed in). */
  current(): AuthSession | null {
    return this.session ? { ...this.session, groups: [...this.session.groups], roles: [...this.session.roles] } : null;
  }

  /** Drops the session from memory; whatever was started for it is outdated. */
  forget(): void {
    this.generation++;
    this.tokens = undefined;
    this.session = undefined;
  }

  /** A keychain step the operation cannot go on without: a failure is reported and thrown, typed. */
  async keychainStep<T>(operation: string, step: Promise<T>): Promise<T> {
    try {
      return await step;
    } catch (error) {
      const failure = toScrubInError(error, 'keychain_unavailable');
      this.o.emit({ type: 'keychain-error', reason: failure.code, operation });
      throw failure;
    }
  }

  /** A step whose failure is only reported (the operation goes on). */
  async reportFailure(operation: string, step: Promise<unknown>): Promise<void> {
    try {
      await step;
    } catch (error) {
      this.o.emit({ type: 'keychain-error', reason: toScrubInError(error).code, operation });
    }
  }

  /** Makes an exchanged sign-in the current session: keychain first, then memory, pointer, event. */
  async install({ claims, tokens, refreshToken }: Exchanged): Promise<AuthSession> {
    const generation = ++this.generation;
    const now = this.o.clock.now();
    const session = sessionFromClaims(claims, now);
    // The non-secret pointer is written alongside the keychain entry (a pointer without an entry is harmless:
    // restore and the leftover check both find no token and clear it).
    const pointer = this.o.lastAccount.write(session, now).then(
      () => true,
      (error: unknown) => {
        this.o.emit({ type: 'keychain-error', reason: toScrubInError(error).code, operation: 'write last-account pointer' });
        return false;
      },
    );
    try {
      // The refresh token goes to the keychain before the session exists: no keychain, no session.
      await this.keychainStep('save refresh token', this.o.vault.save(claims.sub, refreshToken));
    } catch (error) {
      await pointer;
      await this.o.operations.revokeQuietly(refreshToken);
      throw error;
    }
    if (!(await pointer) && this.o.requirePointer) {
      await this.reportFailure('remove refresh token', this.o.vault.remove(claims.sub));
      await this.o.operations.revokeQuietly(refreshToken);
      throw new ScrubInError('storage_unavailable', { detail: 'the last-account pointer could not be written; a shared-terminal sign-in is refused without it' });
    }
    if (generation !== this.generation) throw new ScrubInError('signed_out', { detail: 'signed out while signing in' });
    this.tokens = this.o.operations.tokensFrom(tokens, claims);
    this.session = session;
    this.o.emit({ type: 'signed-in', sub: session.sub, username: session.username });
    return { ...session };
  }

  /** Ends the session after the service refused its refresh token: keychain entry, pointer and memory. */
  async endRejected(sub: string, generation: number): Promise<void> {
    if (generation === this.generation) this.forget();
    await this.reportFailure('remove refresh token', this.o.vault.remove(sub));
    await this.reportFailure('remove last-account pointer', this.o.lastAccount.clear());
    this.o.emit({ type: 'session-ended', sub, reason: 'refresh_rejected' });
  }
}
