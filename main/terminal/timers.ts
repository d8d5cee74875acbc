/**
 * Owns the idle-lock and session-cap timers (on the injected clock), the activity that postpones the idle
 * lock, the countdown shown before it, and what the operating system says about sleep, the screen lock and
 * its idle time. `syncTimers` runs after every
 * transition and arms or cancels them to match the state; the pending sign-in's expiry timer is armed by
 * sign-in.ts and only cancelled here once no flow waits for it.
 *
 * Both deadlines are WALL-CLOCK times (`lastActivity + idle`, `startedAt + cap`): timers only wake the check up.
 * A timer may fire late or not at all across a suspend (monotonic timers stop while the machine sleeps), so the
 * cap timer ticks at least every CAP_TICK_MS, every tick re-checks both deadlines by the clock, and a resume
 * re-checks them at once.
 *
 * Whole-terminal activity: with a `SystemIdleSource` (the OS idle time) main decides idleness itself. The idle
 * timer wakes at the start of the warning (or at the lock), reads the OS idle time, and moves the last activity to
 * the OS's last input if that is later; while the countdown shows it looks again every WARNING_POLL_MS, so input in
 * another application dismisses it. The renderer's activity reports are then only a hint to look at once: a
 * renderer that reports activity without real input cannot keep the terminal unlocked.
 */
import { toScrubInError } from '../errors';
import { auditUser, cancelTimer, problem, record, type SessionContext } from './context';
import { lockNow } from './lock';
import { syncPin } from './quick-unlock';
import { endPerson } from './sign-out';
import { notify } from './view';

/** Only this many activity-driven pushes of a moved `lockAt` (ms apart). */
const LOCK_AT_PUSH_STEP_MS = 5_000;
/** The cap timer wakes at least this often to compare the wall clock with the cap (a clock set forward counts). */
export const CAP_TICK_MS = 60_000;
/** While the countdown shows, the OS idle time is read this often (input elsewhere dismisses it). */
export const WARNING_POLL_MS = 1_000;

/** What the operating system reports (Electron powerMonitor, through main/shell/power.ts). */
export type SystemEvent = 'suspend' | 'lock-screen' | 'resume' | 'unlock-screen';

export function syncTimers(ctx: SessionContext): void {
  const s = ctx.state;
  if (s.disposed) return;
  const phase = s.machine.phase;
  if (phase === 'signed-in' && ctx.idleMs > 0) {
    if (!s.timers.idle) scheduleIdle(ctx);
  } else {
    cancelTimer(ctx, 'idle');
    s.lockWarning = false;
  }
  syncPin(ctx);

  const person = s.person;
  const capped = ctx.shared && (phase === 'signed-in' || phase === 'locked' || phase === 'unlocking');
  if (capped && person) {
    if (!s.timers.cap || s.capFor !== person) {
      s.capFor = person;
      armCap(ctx);
    }
  } else {
    cancelTimer(ctx, 'cap');
    s.capFor = null;
  }

  if (!s.pending || s.pending.expiresAt === null) cancelTimer(ctx, 'flow');
}

/**
 * The renderer saw input. Without an OS idle source that is the activity (the idle lock moves); with one it is only
 * a hint: main reads the OS idle time now (so a touch dismisses the countdown at once) and trusts nothing else.
 */
export function reportActivity(ctx: SessionContext): void {
  const s = ctx.state;
  if (s.machine.phase !== 'signed-in') return;
  if (!ctx.systemIdle) s.lastActivity = ctx.clock.now();
  checkIdle(ctx);
}

/** Moves the last activity to the OS's last input anywhere on the terminal, when that is later (never backwards). */
function catchUpWithSystem(ctx: SessionContext): void {
  if (!ctx.systemIdle) return;
  let seconds: number;
  try {
    seconds = ctx.systemIdle.idleSeconds();
  } catch (error) {
    // Deny when in doubt: without the OS idle time only the last activity already known counts.
    problem(ctx, toScrubInError(error, 'internal', 'the OS idle time could not be read'));
    return;
  }
  if (!Number.isFinite(seconds) || seconds < 0) return;
  const lastInput = ctx.clock.now() - seconds * 1000;
  if (lastInput > ctx.state.lastActivity) ctx.state.lastActivity = lastInput;
}

/**
 * Decides, now, between the lock, the countdown and nothing, and arms the idle timer for the next decision.
 * True when it locked.
 */
function checkIdle(ctx: SessionContext): boolean {
  const s = ctx.state;
  if (s.machine.phase !== 'signed-in' || ctx.idleMs <= 0) return false;
  catchUpWithSystem(ctx);
  const now = ctx.clock.now();
  const at = s.lastActivity + ctx.idleMs;
  if (now >= at) {
    cancelTimer(ctx, 'idle');
    lockNow(ctx, 'idle');
    return true;
  }
  const warning = ctx.warnMs > 0 && now >= at - ctx.warnMs;
  const warningChanged = warning !== s.lockWarning;
  s.lockWarning = warning;
  // The countdown appearing or going is pushed at once; a moved lock time only every few seconds.
  if (warningChanged || s.pushedLockAt === null || at - s.pushedLockAt >= LOCK_AT_PUSH_STEP_MS) notify(ctx);
  scheduleIdle(ctx);
  return false;
}

/** Arms the idle timer: at the countdown's start, then at the lock (and every WARNING_POLL_MS meanwhile with an OS source). */
function scheduleIdle(ctx: SessionContext): void {
  const s = ctx.state;
  const at = s.lastActivity + ctx.idleMs;
  const now = ctx.clock.now();
  if (!s.lockWarning) armIdle(ctx, at - ctx.warnMs - now);
  else armIdle(ctx, ctx.systemIdle ? Math.min(WARNING_POLL_MS, at - now) : at - now);
}

/**
 * The operating system went to sleep or locked its screen: lock now (nobody is at a sleeping terminal). It woke
 * up or its screen was unlocked: the deadlines are re-checked by the wall clock at once, and the timers re-armed.
 */
export function onSystemEvent(ctx: SessionContext, event: SystemEvent): void {
  const s = ctx.state;
  if (s.disposed) return;
  if (event === 'suspend' || event === 'lock-screen') {
    if (s.machine.phase === 'signed-in') lockNow(ctx, event === 'suspend' ? 'suspend' : 'screen-lock');
    return;
  }
  if (checkDeadlines(ctx)) return;
  if (s.timers.cap) armCap(ctx);
}

/** Acts on a deadline the wall clock has passed (cap first: it ends the session). True when it acted. */
function checkDeadlines(ctx: SessionContext): boolean {
  const s = ctx.state;
  const now = ctx.clock.now();
  if (s.capFor && s.capFor === s.person && now >= s.capFor.startedAt + ctx.capMs) {
    onCap(ctx);
    return true;
  }
  return checkIdle(ctx);
}

function armCap(ctx: SessionContext): void {
  const s = ctx.state;
  cancelTimer(ctx, 'cap');
  const who = s.capFor;
  if (!who) return;
  const remaining = who.startedAt + ctx.capMs - ctx.clock.now();
  s.timers.cap = ctx.clock.setTimer(Math.max(0, Math.min(remaining, CAP_TICK_MS)), () => {
    s.timers.cap = null;
    if (s.capFor !== who) return;
    if (!checkDeadlines(ctx)) armCap(ctx);
  });
}

function armIdle(ctx: SessionContext, ms: number): void {
  cancelTimer(ctx, 'idle');
  ctx.state.timers.idle = ctx.clock.setTimer(Math.max(0, ms), () => {
    onIdle(ctx);
  });
}

function onIdle(ctx: SessionContext): void {
  ctx.state.timers.idle = null;
  checkDeadlines(ctx);
}

function onCap(ctx: SessionContext): void {
  const s = ctx.state;
  cancelTimer(ctx, 'cap');
  const who = s.person;
  if (!who || s.capFor !== who) return;
  s.capFor = null;
  const hours = ctx.config.terminal.sessionCapHours;
  record(ctx, { event: 'session-cap', outcome: 'ok', user: auditUser(who.session), capHours: hours });
  void endPerson(ctx, 'session-cap', {
    code: 'signed_out',
    message: `The ${hours}-hour session limit of this terminal was reached and you were signed out. Sign in again to continue.`,
    retryable: false,
  });
}
