/**
 * What every callback check sees, and what a check can decide. A check returns nothing (pass) or a
 * verdict: `drop` = the callback is ignored and audited, nothing changes (a wrong-state callback must
 * not cancel the legitimate pending flow); `end-flow` = the callback belongs to the pending flow and
 * ends it (the IdP refused, or the flow's time is up).
 */
import type { ErrorCode } from '../../errors';
import type { FlowOutcome, PendingFlow } from '../pending-flow';

export interface CallbackContext {
  /** The URL as the OS handed it over. */
  readonly raw: string;
  /** Parsed, or undefined when it is not a URL at all. */
  readonly url: URL | undefined;
  /** The configured redirect URI, e.g. `app.scrubin:/callback`. */
  readonly redirectUri: string;
  readonly pending: PendingFlow | undefined;
  readonly outcomeOf: (state: string) => FlowOutcome | undefined;
  readonly now: number;
}

export interface CallbackVerdict {
  code: ErrorCode;
  /** Secret-free reason for the audit trail (never a parameter value other than an OAuth error code). */
  detail: string;
  effect: 'drop' | 'end-flow';
  /** The callback repeats one that was already used (replay, or a second delivery of the same redirect). */
  replay?: boolean;
}

export type CallbackCheck = (ctx: CallbackContext) => CallbackVerdict | undefined;

export const drop = (code: ErrorCode, detail: string, replay = false): CallbackVerdict => ({ code, detail, effect: 'drop', replay });
export const endFlow = (code: ErrorCode, detail: string): CallbackVerdict => ({ code, detail, effect: 'end-flow' });

export function param(ctx: CallbackContext, name: string): string | null {
  return ctx.url?.searchParams.get(name) ?? null;
}

/** A finished flow whose callback arrives again is a replay (or a duplicate delivery). */
export function isReplay(outcome: FlowOutcome | undefined): boolean {
  return outcome === 'completed' || outcome === 'failed' || outcome === 'exchanging';
}
