/**
 * Owns the idle-lock and session-cap timers (on the injected clock), the activity that postpones the idle
 * lock, and what the operating system says about sleep and the screen lock. `syncTimers` runs after every
 * transition and arms or cancels them to match the state; the pending sign-in's expiry timer is armed by
 * sign-in.ts and only cancelled here once no flow waits for it.
 *
 * Both deadlines are WALL-CLOCK times (`lastActivity + idle`, `startedAt + cap`): timers only wake the check up.
 * A timer may fire late or not at all across a suspend (monotonic timers stop while the machine sleeps), so the
 * cap timer ticks at least every CAP_TICK_MS, every tick re-checks both deadlines by the clock, and a resume
 * re-checks them at once.
 */
import { auditUser, cancelTimer, record, type SessionContext } from './context';
import { lockNow } from './lock';
import { endPerson } from './sign-out';
import { lockAt, notify } from './view';

/** Only this many activity-driven pushes of a moved `lockAt` (ms apart). */
const LOCK_AT_PUSH_STEP_MS = 5_000;
/** The cap timer wakes at least this often to compare the wall clock with the cap (a clock set forward counts). */
export const CAP_TICK_MS = 60_000;

/** What the operating system reports (Electron powerMonitor, through main/shell/power.ts). */
export type SystemEvent = 'suspend' | 'lock-screen' | 'resume' | 'unlock-screen';

export function syncTimers(ctx: SessionContext): void {
  const s = ctx.state;
  if (s.disposed) return;
  const phase = s.machine.phase;
  if (phase === 'signed-in' && ctx.idleMs > 0) {
    if (!s.timers.idle) armIdle(ctx, s.lastActivity + ctx.idleMs - ctx.clock.now());
  } else cancelTimer(ctx, 'idle');

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

/** The person did something: the idle lock moves (subscribers hear of it only every few seconds). */
export function reportActivity(ctx: SessionContext): void {
  const s = ctx.state;
  if (s.machine.phase !== 'signed-in') return;
  s.lastActivity = ctx.clock.now();
  const at = lockAt(ctx);
  if (at !== null && (s.pushedLockAt === null || at - s.pushedLockAt >= LOCK_AT_PUSH_STEP_MS)) notify(ctx);
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
  if (s.machine.phase === 'signed-in' && ctx.idleMs > 0) armIdle(ctx, s.lastActivity + ctx.idleMs - ctx.clock.now());
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
  if (s.machine.phase === 'signed-in' && ctx.idleMs > 0 && now >= s.lastActivity + ctx.idleMs) {
    cancelTimer(ctx, 'idle');
    lockNow(ctx, 'idle');
    return true;
  }
  return false;
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
  const s = ctx.state;
  s.timers.idle = null;
  if (s.machine.phase !== 'signed-in' || ctx.idleMs <= 0) return;
  if (checkDeadlines(ctx)) return;
  armIdle(ctx, s.lastActivity + ctx.idleMs - ctx.clock.now());
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
