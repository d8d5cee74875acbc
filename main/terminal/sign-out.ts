/**
 * Owns signing a person out for real (sign-out button, session cap, refresh rejected, and the previous person
 * of a switch): state first so the gate closes at once, then credentials dropped, refresh token revoked and
 * deleted by the auth core, Cognito `/logout` opened, audited. Also the sign-out button in the other phases
 * (guest, pending sign-in, error) and the end of a switch whose new session could not be committed.
 */
import { toScrubInError, type ErrorView, type ScrubInError } from '../errors';
import type { SessionView } from '../../common/contract';
import { cognitoLogoutUrl } from '../auth/logout-url';
import {
  auditUser,
  cancelQuietly,
  clearPending,
  forgetPin,
  problemHandler,
  quietly,
  record,
  type Person,
  type SessionContext,
  type SessionState,
  type SignOutReason,
} from './context';
import { dispatch } from './dispatch';
import { endGuest, guestRunning } from './guest';
import { closeSettings } from './settings-link';
import { notify, view } from './view';
import { clearOffline } from './offline';

/** The sign-out button. */
export async function signOut(ctx: SessionContext): Promise<SessionView> {
  const s = ctx.state;
  const phase = s.machine.phase;
  if (phase === 'signed-in' || phase === 'locked' || phase === 'unlocking') {
    await endPerson(ctx, 'user', null);
    return view(ctx);
  }
  const wasGuest = guestRunning(s.machine);
  if (phase === 'signing-in' && s.pending) cancelQuietly(ctx);
  clearPending(ctx);
  s.lastError = null;
  dispatch(ctx, 'SIGN_OUT'); // illegal from starting / signed-out
  if (wasGuest) endGuest(ctx);
  if (phase === 'error') {
    // A failed restore may have left a refresh token in the keychain: wipe it (no person to name).
    await ctx.auth.signOut().catch(problemHandler(ctx));
  }
  s.creds = null;
  notify(ctx);
  return view(ctx);
}

/** Ends the current person's session (state first, then the real sign-out); a new flow waits for it. */
export function endPerson(ctx: SessionContext, reason: Exclude<SignOutReason, 'switch'>, error: ErrorView | null): Promise<void> {
  const s = ctx.state;
  const who = s.person;
  if (!who) return Promise.resolve();
  if (s.pending) {
    clearPending(ctx);
    cancelQuietly(ctx);
  }
  forgetPerson(s);
  // Before the view says signed out: a shared terminal's settings cache is gone (the final flush follows in the background).
  void closeSettings(ctx, reason, who);
  s.lastError = error;
  dispatch(ctx, reason === 'session-cap' ? 'SESSION_CAP' : 'SIGN_OUT');
  const done = signOutPerson(ctx, who, reason, { settingsClosed: true });
  s.signingOut = done;
  return done;
}

/**
 * Signs `who` out for real: credentials dropped, refresh token revoked and deleted by the auth core, `/logout`
 * opened, audited. Local state is wiped even when the revoke fails (offline). Their settings are closed (cache
 * file removed at once on a shared terminal) unless the caller did it already; the final push
 * of their pending settings runs in the background, bounded, so it never holds up the next sign-in.
 */
export async function signOutPerson(ctx: SessionContext, who: Person, reason: SignOutReason, options: { settingsClosed?: boolean } = {}): Promise<void> {
  if (ctx.state.person === who) forgetPerson(ctx.state);
  // Whoever signs out, no PIN outlives them.
  forgetPin(ctx);
  // Their identity-pool offline screen goes with them.
  if (ctx.state.offline?.target === 'credentials') clearOffline(ctx, { quiet: true });
  if (!options.settingsClosed) void closeSettings(ctx, reason, who);
  quietly(ctx, () => {
    ctx.credentials?.drop();
  });
  let outcome: { logoutUrl: string; revoked: boolean; errors: readonly unknown[] };
  try {
    outcome = await ctx.auth.signOut();
  } catch (error) {
    // The auth core failed outright: the browser's managed-login cookie is still cleared (URL from the config).
    outcome = { logoutUrl: '', revoked: false, errors: [error] };
  }
  quietly(ctx, () => {
    ctx.openBrowser(outcome.logoutUrl || cognitoLogoutUrl(ctx.config));
  });
  const errors = outcome.errors.slice(0, 8).map((e) => toScrubInError(e).code);
  record(ctx, {
    event: 'sign-out',
    outcome: outcome.revoked && errors.length === 0 ? 'ok' : 'partial',
    user: auditUser(who.session),
    reason,
    revoked: outcome.revoked,
    errors,
  });
}

/**
 * A switch whose new session could not be committed (keychain locked): the previous person is already signed
 * out, so the terminal ends signed out, with the reason shown.
 */
export function endFailedSwitch(ctx: SessionContext, error: ScrubInError): void {
  clearPending(ctx);
  record(ctx, { event: 'sign-in-failed', outcome: 'failed', during: 'switch', code: error.code, forUser: null });
  ctx.state.lastError = error.toView();
  dispatch(ctx, 'SIGN_OUT');
}

function forgetPerson(s: SessionState): void {
  s.person = null;
  s.idToken = null;
  s.creds = null;
}
