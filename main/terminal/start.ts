/**
 * Owns the terminal's start: shared mode ends whatever a crash left behind (refresh tokens, the managed-login
 * cookie, settings caches) and
 * starts signed out; personal mode restores the person silently from the keychain.
 */
import { toScrubInError } from '../errors';
import type { SessionView } from '../../common/contract';
import { auditUser, problem, problemHandler, quietly, record, SESSION_DEAD, type Person, type SessionContext } from './context';
import { loadIdToken, prefetchCredentials } from './credentials-link';
import { dispatch } from './dispatch';
import { afterCredentials, purgeSettingsLeftovers } from './settings-link';
import { view } from './view';

export async function start(ctx: SessionContext): Promise<SessionView> {
  const s = ctx.state;
  dispatch(ctx, 'START');
  record(ctx, { event: 'terminal-start', outcome: 'ok', mode: ctx.config.terminal.mode });
  if (ctx.shared) {
    await endLeftoverSessions(ctx);
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
 * Shared mode never restores silently. Every refresh token still stored from before (the app was killed or the
 * terminal lost power mid-shift) is revoked and deleted, so the next person cannot inherit it, and Cognito's
 * `/logout` is opened as at a normal sign-out, so the managed-login cookie of that person goes too.
 */
async function endLeftoverSessions(ctx: SessionContext): Promise<void> {
  let found;
  try {
    found = await ctx.auth.endLeftovers();
  } catch (error) {
    problem(ctx, error);
    return;
  }
  for (const leftover of found.ended) {
    const errors = leftover.errors.map((e) => toScrubInError(e).code);
    record(ctx, {
      event: 'sign-out',
      outcome: errors.length ? 'partial' : 'ok',
      user: { username: leftover.username, sub: leftover.sub },
      reason: 'leftover',
      revoked: leftover.revoked,
      errors: errors.slice(0, 8),
    });
  }
  if (found.ended.length > 0) quietly(ctx, () => ctx.openBrowser(found.logoutUrl));
}
