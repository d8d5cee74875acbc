/**
 * Owns locking the terminal (idle timer, the lock button, the system going to sleep or locking its screen): the
 * LOCK event and its audit record.
 */
import { auditUser, record, type SessionContext } from './context';
import { dispatch } from './dispatch';

export type LockReason = 'idle' | 'manual' | 'suspend' | 'screen-lock';

export function lockNow(ctx: SessionContext, reason: LockReason): void {
  const who = ctx.state.person;
  dispatch(ctx, 'LOCK');
  if (who) record(ctx, { event: 'lock', outcome: 'ok', user: auditUser(who.session), reason });
}
