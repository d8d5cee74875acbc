/**
 * Owns locking the terminal (idle timer, the lock button, the system going to sleep or locking its screen): the
 * LOCK event and its audit record. Only an idle lock opens the quick-unlock grace period (quick-unlock.ts).
 */
import { auditUser, record, type SessionContext } from './context';
import { dispatch } from './dispatch';
import { canTransition } from './machine';
import { beforeLock } from './quick-unlock';

export type LockReason = 'idle' | 'manual' | 'suspend' | 'screen-lock';

export function lockNow(ctx: SessionContext, reason: LockReason): void {
  const who = ctx.state.person;
  // Before the lock screen is pushed, so it shows the keypad (or not) from its first frame.
  if (canTransition(ctx.state.machine, 'LOCK')) beforeLock(ctx, reason);
  dispatch(ctx, 'LOCK');
  if (who) record(ctx, { event: 'lock', outcome: 'ok', user: auditUser(who.session), reason });
}
