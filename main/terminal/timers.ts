/**
 * Owns the idle-lock and session-cap timers (on the injected clock) and the activity that postpones the idle
 * lock. `syncTimers` runs after every transition and arms or cancels them to match the state; the pending
 * sign-in's expiry timer is armed by sign-in.ts and only cancelled here once no flow waits for it.
 */
import { auditUser, cancelTimer, record, type SessionContext } from './context';
import { lockNow } from './lock';
import { endPerson } from './sign-out';
import { lockAt, notify } from './view';

/** Only this many activity-driven pushes of a moved `lockAt` (ms apart). */
const LOCK_AT_PUSH_STEP_MS = 5_000;

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
      cancelTimer(ctx, 'cap');
      s.capFor = person;
      s.timers.cap = ctx.clock.setTimer(person.startedAt + ctx.capMs - ctx.clock.now(), () => {
        onCap(ctx);
      });
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
  const due = s.lastActivity + ctx.idleMs;
  if (ctx.clock.now() < due) {
    armIdle(ctx, due - ctx.clock.now());
    return;
  }
  lockNow(ctx, 'idle');
}

function onCap(ctx: SessionContext): void {
  const s = ctx.state;
  s.timers.cap = null;
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
