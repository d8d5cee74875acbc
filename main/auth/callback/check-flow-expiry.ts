/** The pending flow's time must not be up (its timer may not have fired yet). */
import { endFlow, type CallbackCheck } from './context';

export const checkFlowExpiry: CallbackCheck = (ctx) =>
  ctx.pending && ctx.now >= ctx.pending.expiresAt ? endFlow('flow_expired', 'callback after the sign-in timed out') : undefined;
