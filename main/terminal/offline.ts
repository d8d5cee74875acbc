/**
 * Owns "no connection": before a sign-in opens the browser the terminal checks that the sign-in service answers at
 * all (a short request without credentials). When it does not, or when the token or identity endpoints fail on the
 * network in the middle of a sign-in, no browser opens onto an error page: the view carries `offline` (the UI shows
 * "No connection to the hospital sign-in service", reference SI-OFFLINE, with Retry), and the terminal checks again
 * by itself with backoff on its clock until the service answers; then `offline` clears.
 */
import { isScrubInError } from '../errors';
import { backoffDelay, type RetryPolicy } from '../lib';
import { problem, type FlowKind, type OfflineTarget, type SessionContext } from './context';
import { afterCredentials } from './settings-link';
import { prefetchCredentials } from './credentials-link';
import { notify } from './view';

/** Re-checks while offline: 2 s, then doubling up to 30 s (full jitter, at least 1 s apart). */
export const OFFLINE_RECHECK: RetryPolicy = { maxAttempts: Number.MAX_SAFE_INTEGER, baseDelayMs: 2_000, maxDelayMs: 30_000 };
const MIN_RECHECK_MS = 1_000;

/** Failures that mean the service did not answer at all (not a refusal): the offline screen, not an error line. */
export function isOfflineFailure(error: unknown): boolean {
  return isScrubInError(error, 'network') || isScrubInError(error, 'discovery_failed');
}

/** Checks `target` once; true when it answers (or when no check is wired). Never throws. */
async function answers(ctx: SessionContext, target: OfflineTarget): Promise<boolean> {
  if (!ctx.reachable) return true;
  try {
    return (await ctx.reachable(target)).reachable;
  } catch (error) {
    problem(ctx, error);
    return false;
  }
}

/**
 * Before a flow opens the browser: true when the sign-in service answers (and any offline screen clears);
 * false after showing the offline screen for `during`.
 */
export async function ensureReachable(ctx: SessionContext, during: FlowKind): Promise<boolean> {
  if (await answers(ctx, 'sign-in')) {
    if (ctx.state.offline) clearOffline(ctx);
    return true;
  }
  enterOffline(ctx, 'sign-in', during);
  return false;
}

/** Shows the offline screen (or keeps it) and arms the next automatic check. */
export function enterOffline(ctx: SessionContext, target: OfflineTarget, during: FlowKind | null): void {
  const s = ctx.state;
  if (s.disposed) return;
  const now = ctx.clock.now();
  if (s.offline) {
    s.offline.target = target;
    s.offline.during = during;
  } else s.offline = { target, during, since: now, checks: 0, nextCheckAt: null, timer: null };
  arm(ctx);
  notify(ctx);
}

/** The network is back (or the person is gone): the screen clears and no more checks run. */
export function clearOffline(ctx: SessionContext, options: { quiet?: boolean } = {}): void {
  const offline = ctx.state.offline;
  if (!offline) return;
  offline.timer?.cancel();
  ctx.state.offline = null;
  if (!options.quiet) notify(ctx);
}

function arm(ctx: SessionContext): void {
  const offline = ctx.state.offline;
  if (!offline) return;
  offline.timer?.cancel();
  const delay = Math.max(MIN_RECHECK_MS, backoffDelay(OFFLINE_RECHECK, offline.checks, ctx.random));
  offline.nextCheckAt = ctx.clock.now() + delay;
  offline.timer = ctx.clock.setTimer(delay, () => {
    void recheck(ctx, offline);
  });
}

/** One automatic check: clears the screen when the target answers, else waits longer. */
async function recheck(ctx: SessionContext, offline: NonNullable<SessionContext['state']['offline']>): Promise<void> {
  offline.timer = null;
  offline.nextCheckAt = null;
  const ok = await answers(ctx, offline.target);
  // A newer screen (or none) replaced this one meanwhile.
  if (ctx.state.offline !== offline || ctx.state.disposed) return;
  if (ok) {
    clearOffline(ctx);
    // The identity pool failed after the sign-in: fetch the person's credentials (and open their settings) now.
    const person = ctx.state.person;
    if (offline.target === 'credentials' && person && ctx.state.machine.phase === 'signed-in') void afterCredentials(ctx, person, () => prefetchCredentials(ctx));
    return;
  }
  offline.checks += 1;
  arm(ctx);
  notify(ctx);
}
