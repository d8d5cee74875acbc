/**
 * Sign-out: memory first and unconditionally (an offline sign-out still wipes it), then the refresh token revoked
 * at the pool and deleted from the keychain, then the last-account pointer. Each step runs even if an earlier one
 * failed; the failures are returned, and the pointer is kept while the keychain may still hold the token.
 */
import type { Config } from '../config/schema';
import { toScrubInError, type ErrorCode, type ScrubInError } from '../errors';
import type { HeldSession } from './held-session';
import { cognitoLogoutUrl } from './logout-url';
import type { Operations } from './operations';
import type { PendingFlows } from './pending-flow';
import type { AuthEvent, LeftoverResult, SignOutResult } from './types';

export interface SignOutOptions {
  config: Config;
  held: HeldSession;
  operations: Operations;
  flows: PendingFlows;
  emit: (event: AuthEvent) => void;
}

export async function signOut({ config, held, operations, flows, emit }: SignOutOptions): Promise<SignOutResult> {
  const errors: ScrubInError[] = [];
  const session = held.session;
  held.forget();
  flows.cancel();
  const sub = session?.sub ?? (await held.lastAccount.read().catch(() => undefined))?.sub;
  let revoked = false;
  // Keep the pointer while the keychain still may hold the token (locked, unavailable), so the next shared
  // start finds the leftover and revokes + deletes it then.
  let keychainClean = true;
  if (sub) {
    let refreshToken: string | null = null;
    try {
      refreshToken = await held.vault.load(sub);
    } catch (error) {
      keychainClean = false;
      errors.push(toScrubInError(error, 'keychain_unavailable'));
    }
    if (refreshToken) {
      try {
        await operations.revoke(refreshToken);
        revoked = true;
      } catch (error) {
        errors.push(toScrubInError(error, 'network'));
      }
    }
    try {
      await held.vault.remove(sub);
    } catch (error) {
      keychainClean = false;
      errors.push(toScrubInError(error, 'keychain_unavailable'));
    }
  }
  if (keychainClean) {
    try {
      await held.lastAccount.clear();
    } catch (error) {
      errors.push(toScrubInError(error, 'internal', 'last-account pointer could not be removed'));
    }
  }
  if (session) emit({ type: 'session-ended', sub: session.sub, reason: 'signed-out' });
  emit({ type: 'signed-out', sub: sub ?? null, revoked, errors: errors.map((e): ErrorCode => e.code) });
  return { logoutUrl: cognitoLogoutUrl(config), revoked, errors };
}

/**
 * A shared terminal's start: every refresh token the app's keychain service still holds is a leftover (the app was
 * killed, the terminal lost power, or a sign-in's pointer could not be written), so each one is revoked at the pool
 * and deleted, whatever the last-account pointer says (security defect 3). The pointer, when it names one of
 * them, only supplies its user name; it is cleared once the keychain is clean.
 */
export async function endLeftovers({ config, held, operations, emit }: SignOutOptions): Promise<LeftoverResult> {
  if (held.session) return { logoutUrl: cognitoLogoutUrl(config), ended: [] };
  const pointer = await held.lastAccount.read().catch(() => undefined);
  let accounts: string[];
  try {
    accounts = await held.vault.accounts();
  } catch (error) {
    // The keychain cannot be listed (locked, unavailable): the pointer is kept for the next start.
    const failure = toScrubInError(error, 'keychain_unavailable');
    emit({ type: 'keychain-error', reason: failure.code, operation: 'list leftover refresh tokens' });
    return { logoutUrl: cognitoLogoutUrl(config), ended: pointer ? [{ sub: pointer.sub, username: pointer.username, revoked: false, errors: [failure] }] : [] };
  }
  const ended: LeftoverResult['ended'] = [];
  let keychainClean = true;
  for (const sub of accounts) {
    const errors: ScrubInError[] = [];
    let revoked = false;
    try {
      const refreshToken = await held.vault.load(sub);
      if (refreshToken) {
        await operations.revoke(refreshToken).then(
          () => {
            revoked = true;
          },
          (error: unknown) => errors.push(toScrubInError(error, 'network')),
        );
      }
    } catch (error) {
      errors.push(toScrubInError(error, 'keychain_unavailable'));
    }
    try {
      await held.vault.remove(sub);
    } catch (error) {
      keychainClean = false;
      errors.push(toScrubInError(error, 'keychain_unavailable'));
    }
    ended.push({ sub, username: pointer?.sub === sub ? pointer.username : sub, revoked, errors });
    emit({ type: 'signed-out', sub, revoked, errors: errors.map((e): ErrorCode => e.code) });
  }
  if (keychainClean && pointer) await held.lastAccount.clear().catch(() => undefined);
  return { logoutUrl: cognitoLogoutUrl(config), ended };
}
