/**
 * Callback intake: the checks a redirect must pass before its code is exchanged, in order. The first
 * check that objects decides; none of them throws, so a hostile URL can never crash the app.
 */
import { checkCodePresent } from './check-code-present';
import { checkFlowExpiry } from './check-flow-expiry';
import { checkIdpError } from './check-idp-error';
import { checkPendingFlow } from './check-pending-flow';
import { checkRedirectTarget } from './check-redirect-target';
import { checkSingleValues } from './check-single-values';
import { checkState } from './check-state';
import type { CallbackCheck, CallbackContext, CallbackVerdict } from './context';

export type { CallbackCheck, CallbackContext, CallbackVerdict } from './context';

export const CALLBACK_CHECKS: ReadonlyArray<readonly [string, CallbackCheck]> = [
  ['redirect target', checkRedirectTarget],
  ['single values', checkSingleValues],
  ['pending flow', checkPendingFlow],
  ['state', checkState],
  ['flow expiry', checkFlowExpiry],
  ['idp error', checkIdpError],
  ['code present', checkCodePresent],
];

export function parseCallbackUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** Runs the checks in order; undefined means the callback may be exchanged. */
export function checkCallback(ctx: CallbackContext): CallbackVerdict | undefined {
  for (const [, check] of CALLBACK_CHECKS) {
    let verdict: CallbackVerdict | undefined;
    try {
      verdict = check(ctx);
    } catch {
      verdict = { code: 'callback_rejected', detail: 'callback could not be checked', effect: 'drop' };
    }
    if (verdict) return verdict;
  }
  return undefined;
}
