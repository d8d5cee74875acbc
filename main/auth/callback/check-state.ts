/** The callback's `state` must be the pending flow's (compared in constant time). Otherwise it is dropped and the flow stays. */
import { timingSafeEqual } from 'node:crypto';
import { stateHash } from '../pending-flow';
import { drop, isReplay, param, type CallbackCheck } from './context';

function same(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(stateHash(a)), Buffer.from(stateHash(b)));
}

export const checkState: CallbackCheck = (ctx) => {
  const pending = ctx.pending;
  if (!pending) return undefined;
  const state = param(ctx, 'state');
  if (state === null || state === '') return drop('state_mismatch', 'callback without state');
  if (same(state, pending.state)) return undefined;
  const outcome = ctx.outcomeOf(state);
  if (isReplay(outcome)) return drop('state_mismatch', 'callback of an earlier, finished sign-in (replay)', true);
  return drop('state_mismatch', `callback state does not match the pending sign-in${outcome ? ` (that flow was ${outcome})` : ''}`);
};
