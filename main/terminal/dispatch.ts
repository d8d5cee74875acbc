/**
 * Owns the one way the session changes phase: the transition table (machine.ts) decides, or throws
 * `illegal_transition` before anything happened; then the bookkeeping every transition shares runs (activity
 * clock, refusal-audit streak, timers) and the new view is pushed.
 * A new feature adds its event and rows in machine.ts and a small handler file that calls `dispatch`.
 */
import { cancelTimer, type SessionContext } from './context';
import { transition, type MachineEvent } from './machine';
import { notify } from './view';

export function dispatch(ctx: SessionContext, event: MachineEvent): void {
  const s = ctx.state;
  const before = s.machine.phase;
  s.machine = transition(s.machine, event);
  const after = s.machine.phase;
  if (after === 'signed-in' && before !== 'signed-in') s.lastActivity = ctx.clock.now();
  if (after !== before) {
    s.refusedAudited = false;
    if (after === 'signed-in' || before === 'signed-in') cancelTimer(ctx, 'idle');
  }
  ctx.syncTimers();
  notify(ctx);
}
