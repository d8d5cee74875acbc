/**
 * Owns guest mode (`identityPool.allowGuest`): starting it, ending it at sign-out, and upgrading it in place
 * (the guest identity linked to the login) when someone signs in on top of it.
 */
import { toScrubInError, ScrubInError } from '../errors';
import type { SessionView } from '../../common/contract';
import { auditUser, holdCredentials, quietly, record, type Person, type SessionContext } from './context';
import { dispatch } from './dispatch';
import type { MachineState } from './machine';
import { guestAvailable, notify, view } from './view';

/** A guest session runs (also while someone signs in on top of it: the OR board keeps working). */
export const guestRunning = (machine: MachineState): boolean =>
  machine.phase === 'guest' || (machine.phase === 'signing-in' && machine.origin === 'guest');

export async function continueAsGuest(ctx: SessionContext): Promise<SessionView> {
  const s = ctx.state;
  const credentials = ctx.credentials;
  if (!guestAvailable(ctx) || !credentials) {
    throw new ScrubInError('not_authorized', {
      detail: 'guest mode is not enabled (identityPool.allowGuest)',
      userMessage: 'Guest access is not enabled on this terminal. Sign in to continue.',
      variant: 'guest_disabled',
    });
  }
  dispatch(ctx, 'GUEST');
  s.lastError = null;
  try {
    const c = await credentials.startGuest();
    holdCredentials(s, c);
    record(ctx, { event: 'guest-start', outcome: 'ok', identityId: c.identityId, code: null });
    notify(ctx);
  } catch (error) {
    const typed = toScrubInError(error);
    record(ctx, { event: 'guest-start', outcome: 'failed', identityId: null, code: typed.code });
    if (guestRunning(s.machine)) {
      s.creds = null;
      s.lastError = typed.toView();
      dispatch(ctx, 'GUEST_FAILED');
    }
    throw typed;
  }
  return view(ctx);
}

/** The guest session ended (sign-out from guest mode). */
export function endGuest(ctx: SessionContext): void {
  const credentials = ctx.credentials;
  if (!credentials) return;
  quietly(ctx, () => {
    credentials.endGuest();
  });
  record(ctx, { event: 'guest-end', outcome: 'ok' });
}

/** Someone signed in from guest mode: the guest identity is linked to their login; returns the identity id. */
export async function upgradeGuest(ctx: SessionContext, who: Person): Promise<string | null> {
  const s = ctx.state;
  if (!ctx.credentials) return null;
  try {
    const result = await ctx.credentials.linkGuestOnSignIn();
    holdCredentials(s, result.credentials);
    record(ctx, {
      event: 'guest-upgrade',
      outcome: 'ok',
      user: auditUser(who.session),
      linked: result.linked,
      identityId: result.identityId,
      code: null,
    });
    notify(ctx);
    return result.identityId;
  } catch (error) {
    const typed = toScrubInError(error);
    record(ctx, { event: 'guest-upgrade', outcome: 'failed', user: auditUser(who.session), linked: null, identityId: null, code: typed.code });
    if (s.person === who) {
      s.lastError = typed.toView();
      notify(ctx);
    }
    return null;
  }
}
