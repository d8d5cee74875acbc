/**
 * Owns locking the terminal (idle timer or the lock button): the LOCK event and its audit record.
 * Another way to lock (e.g. the system going to sleep) is one more reason here and one more caller.
 */
import { auditUser, record, type SessionContext } from './context';
import { dispatch } from './dispatch';

export type LockReason = 'idle' | 'manual';

export function lockNow(ctx: SessionContext, reason: LockReason): void {
  const who = ctx.state.person;
  dispatch(ctx, 'LOCK');
  if (who) record(ctx, { event: 'lock', outcome: 'ok', user: auditUser(who.session), reason });
}
