/** A callback needs a sign-in in progress; a late one for a flow that timed out says so. */
import { drop, isReplay, param, type CallbackCheck } from './context';

export const checkPendingFlow: CallbackCheck = (ctx) => {
  if (ctx.pending) return undefined;
  const state = param(ctx, 'state');
  const outcome = state === null ? undefined : ctx.outcomeOf(state);
  if (outcome === 'expired') return drop('flow_expired', 'callback for a sign-in that already timed out');
  if (isReplay(outcome)) return drop('no_pending_flow', 'callback for a sign-in that already finished (replay)', true);
  return drop('no_pending_flow', 'callback while no sign-in is in progress');
};
