/**
 * Owns the terminal's start: shared mode ends whatever a crash left behind (refresh token, settings caches) and
 * starts signed out; personal mode restores the person silently from the keychain.
 */
import { toScrubInError } from '../errors';
import type { SessionView } from '../../preload/contract';
import { auditUser, problemHandler, record, SESSION_DEAD, type Person, type SessionContext } from './context';
import { loadIdToken, prefetchCredentials } from './credentials-link';
import { dispatch } from './dispatch';
import { afterCredentials, purgeSettingsLeftovers } from './settings-link';
import { view } from './view';

export async function start(ctx: SessionContext): Promise<SessionView> {
  const s = ctx.state;
  dispatch(ctx, 'START');
  record(ctx, { event: 'terminal-start', outcome: 'ok', mode: ctx.config.terminal.mode });
  if (ctx.shared) {
    await endLeftoverSession(ctx);
    await purgeSettingsLeftovers(ctx);
    dispatch(ctx, 'STARTED_SIGNED_OUT');
    return view(ctx);
  }
  let restored;
  try {
    restored = await ctx.auth.restore();
  } catch (error) {
    const typed = toScrubInError(error);
    record(ctx, { event: 'sign-in-failed', outcome: 'failed', during: 'restore', code: typed.code, forUser: null });
    s.lastError = typed.toView();
    dispatch(ctx, SESSION_DEAD.has(typed.code) ? 'STARTED_SIGNED_OUT' : 'START_FAILED');
    return view(ctx);
  }
  if (!restored) {
    dispatch(ctx, 'STARTED_SIGNED_OUT');
    return view(ctx);
  }
  await loadIdToken(ctx).catch(problemHandler(ctx));
  const who: Person = { session: restored, startedAt: ctx.clock.now(), federated: false };
  s.person = who;
  dispatch(ctx, 'STARTED_RESTORED');
  record(ctx, { event: 'sign-in', outcome: 'ok', user: auditUser(restored), via: 'restore', forced: false });
  await afterCredentials(ctx, who, () => prefetchCredentials(ctx));
  return view(ctx);
}

/**
 * Shared mode never restores silently. A refresh token still stored from before (the app was killed or the
 * terminal lost power mid-shift) is revoked and deleted, so the next person cannot inherit it.
 */
async function endLeftoverSession(ctx: SessionContext): Promise<void> {
  const leftover = await ctx.auth.leftoverAccount().catch(() => null);
  if (!leftover) return;
  const outcome = await ctx.auth.signOut();
  record(ctx, {
    event: 'sign-out',
    outcome: outcome.errors.length ? 'partial' : 'ok',
    user: { username: leftover.username, sub: leftover.sub },
    reason: 'leftover',
    revoked: outcome.revoked,
    errors: outcome.errors.map((e) => toScrubInError(e).code).slice(0, 8),
  });
}
