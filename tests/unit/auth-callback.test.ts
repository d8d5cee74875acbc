/** Callback checks, one by one and composed, with a ManualClock-driven pending flow. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { CALLBACK_CHECKS, checkCallback, parseCallbackUrl, type CallbackContext, type CallbackVerdict } from '../../main/auth/callback';
import { checkCodePresent } from '../../main/auth/callback/check-code-present';
import { checkFlowExpiry } from '../../main/auth/callback/check-flow-expiry';
import { checkIdpError } from '../../main/auth/callback/check-idp-error';
import { checkPendingFlow } from '../../main/auth/callback/check-pending-flow';
import { checkRedirectTarget } from '../../main/auth/callback/check-redirect-target';
import { checkSingleValues } from '../../main/auth/callback/check-single-values';
import { checkState } from '../../main/auth/callback/check-state';
import { PendingFlows, type FlowOutcome, type PendingFlow } from '../../main/auth/pending-flow';
import type { ErrorCode } from '../../main/errors';

const REDIRECT = 'app.scrubin:/callback';

function ctx(raw: string, flows: PendingFlows, clock: ManualClock): CallbackContext {
  return { raw, url: parseCallbackUrl(raw), redirectUri: REDIRECT, pending: flows.peek(), outcomeOf: (s) => flows.outcomeOf(s), now: clock.now() };
}

function setup() {
  const clock = new ManualClock();
  const ended: string[] = [];
  const flows = new PendingFlows(clock, 10 * 60_000, (r) => ended.push(r));
  const flow = flows.begin({ state: 'state-1', nonce: 'n', codeVerifier: 'v' });
  return { clock, flows, flow, ended };
}

describe('callback checks', () => {
  it('are listed in spec order', () => {
    expect(CALLBACK_CHECKS.map(([name]) => name)).toEqual(['redirect target', 'single values', 'pending flow', 'state', 'flow expiry', 'idp error', 'code present']);
  });

  it('accept the pending flow redirect', () => {
    const { clock, flows } = setup();
    expect(checkCallback(ctx(`${REDIRECT}?code=c&state=state-1`, flows, clock))).toBeUndefined();
  });

  it.each([
    ['app.evil:/callback?code=c&state=state-1', 'another scheme'],
    ['app.scrubin:/other?code=c&state=state-1', 'another path'],
    ['app.scrubin://callback?code=c&state=state-1', 'a host form'],
    ['app.scrubin:/callback/?code=c&state=state-1', 'a trailing slash'],
    ['app.scrubin:/callback?code=c&state=state-1#x', 'a fragment'],
    ['::::', 'not a URL'],
    [`${REDIRECT}?code=c&state=state-1&state=state-1`, 'a repeated state'],
    [`${REDIRECT}?code=${'x'.repeat(9000)}&state=state-1`, 'an oversized URL'],
    [`${REDIRECT}?state=state-1`, 'no code'],
  ])('drop %s (%s) as callback_rejected', (raw) => {
    const { clock, flows } = setup();
    expect(checkCallback(ctx(raw, flows, clock))).toMatchObject({ code: 'callback_rejected', effect: 'drop' });
  });

  it('accepts an upper-case scheme (some OSes hand it over like that)', () => {
    const { clock, flows } = setup();
    expect(checkCallback(ctx('APP.SCRUBIN:/callback?code=c&state=state-1', flows, clock))).toBeUndefined();
  });

  it('wrong or missing state: state_mismatch, dropped', () => {
    const { clock, flows } = setup();
    expect(checkCallback(ctx(`${REDIRECT}?code=c&state=other`, flows, clock))).toMatchObject({ code: 'state_mismatch', effect: 'drop', replay: false });
    expect(checkCallback(ctx(`${REDIRECT}?code=c`, flows, clock))).toMatchObject({ code: 'state_mismatch', effect: 'drop' });
  });

  it('no pending flow: no_pending_flow; a finished flow: replay; a timed-out flow: flow_expired', () => {
    const { clock, flows, flow } = setup();
    flows.take();
    flows.settle(flow, 'completed');
    expect(checkCallback(ctx(`${REDIRECT}?code=c&state=state-1`, flows, clock))).toMatchObject({ code: 'no_pending_flow', replay: true });
    expect(checkCallback(ctx(`${REDIRECT}?code=c&state=unknown`, flows, clock))).toMatchObject({ code: 'no_pending_flow', replay: false });
    flows.begin({ state: 'state-2', nonce: 'n', codeVerifier: 'v' });
    clock.advance(10 * 60_000);
    expect(checkCallback(ctx(`${REDIRECT}?code=c&state=state-2`, flows, clock))).toMatchObject({ code: 'flow_expired', effect: 'drop' });
  });

  it('pending flow past its time before the timer fired: flow_expired ends the flow', () => {
    const { clock, flows } = setup();
    clock.set(clock.now() + 10 * 60_000);
    expect(checkCallback(ctx(`${REDIRECT}?code=c&state=state-1`, flows, clock))).toMatchObject({ code: 'flow_expired', effect: 'end-flow' });
  });

  it('error redirects: access_denied and idp_error end the flow; error values are not echoed unless plain', () => {
    const { clock, flows } = setup();
    expect(checkCallback(ctx(`${REDIRECT}?error=access_denied&state=state-1`, flows, clock))).toMatchObject({ code: 'access_denied', effect: 'end-flow' });
    const other = checkCallback(ctx(`${REDIRECT}?error=invalid_scope&state=state-1`, flows, clock));
    expect(other).toMatchObject({ code: 'idp_error', effect: 'end-flow' });
    expect(other?.detail).toContain('invalid_scope');
    const weird = checkCallback(ctx(`${REDIRECT}?error=${encodeURIComponent('<script>secret</script>')}&state=state-1`, flows, clock));
    expect(weird?.detail).not.toContain('secret');
    // An error redirect with a wrong state is dropped, not believed.
    expect(checkCallback(ctx(`${REDIRECT}?error=access_denied&state=forged`, flows, clock))).toMatchObject({ code: 'state_mismatch', effect: 'drop' });
  });
});

describe('pending flow', () => {
  it('one at a time: a new flow supersedes the old, which then counts as superseded', () => {
    const { flows, ended } = setup();
    flows.begin({ state: 'state-2', nonce: 'n', codeVerifier: 'v' });
    expect(ended).toEqual(['superseded']);
    expect(flows.peek()?.state).toBe('state-2');
    expect(flows.outcomeOf('state-1')).toBe('superseded');
  });

  it('expires on the clock, exactly at the timeout', () => {
    const { clock, flows, ended } = setup();
    clock.advance(10 * 60_000 - 1);
    expect(flows.current()).toBeDefined();
    clock.advance(1);
    expect(flows.peek()).toBeUndefined();
    expect(ended).toEqual(['expired']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('cancel and take clear the timer; history is bounded', () => {
    const { clock, flows } = setup();
    expect(flows.cancel()).toBe(true);
    expect(flows.cancel()).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    for (let i = 0; i < 100; i++) flows.begin({ state: `s${i}`, nonce: 'n', codeVerifier: 'v' });
    expect(flows.outcomeOf('s98')).toBe('superseded');
    expect(flows.outcomeOf('s0')).toBeUndefined();
    const flow = flows.take();
    expect(flow?.state).toBe('s99');
    expect(flows.outcomeOf('s99')).toBe('exchanging');
  });
});

/** A pending flow built by hand, so each check's boundary can be tried at an exact instant. */
const PENDING: PendingFlow = { state: 'state-1', nonce: 'n', codeVerifier: 'v', createdAt: 1_000, expiresAt: 601_000, freshAuthSince: null };

function handCtx(raw: string, over: Partial<CallbackContext> = {}): CallbackContext {
  return { raw, url: parseCallbackUrl(raw), redirectUri: REDIRECT, pending: PENDING, outcomeOf: () => undefined, now: 2_000, ...over };
}

/** The verdict's code, effect and replay flag, and that it says why (a reason for the audit trail, never empty). */
function expectVerdict(verdict: CallbackVerdict | undefined, expected: { code: ErrorCode; effect: CallbackVerdict['effect']; replay?: boolean }): void {
  expect(verdict).toBeDefined();
  expect({ code: verdict?.code, effect: verdict?.effect, replay: verdict?.replay ?? false }).toEqual({ replay: false, ...expected });
  expect(verdict?.detail).toMatch(/\S/);
}

describe('callback checks at their boundaries', () => {
  it('an empty code is no code: ?code=&state=<valid> is dropped as callback_rejected', () => {
    expectVerdict(checkCallback(handCtx(`${REDIRECT}?code=&state=state-1`)), { code: 'callback_rejected', effect: 'drop' });
    expectVerdict(checkCodePresent(handCtx(`${REDIRECT}?code=&state=state-1`)), { code: 'callback_rejected', effect: 'drop' });
    expect(checkCodePresent(handCtx(`${REDIRECT}?code=c&state=state-1`))).toBeUndefined();
  });

  it('an empty or missing state with a flow pending is state_mismatch, not a replay', () => {
    expectVerdict(checkState(handCtx(`${REDIRECT}?code=c&state=`)), { code: 'state_mismatch', effect: 'drop' });
    expectVerdict(checkState(handCtx(`${REDIRECT}?code=c`)), { code: 'state_mismatch', effect: 'drop' });
    expect(checkState(handCtx(`${REDIRECT}?code=c&state=state-1`))).toBeUndefined();
    // Without a pending flow the state check has nothing to compare (the pending-flow check decides).
    expect(checkState(handCtx(`${REDIRECT}?code=c&state=other`, { pending: undefined }))).toBeUndefined();
  });

  it('a wrong state naming an earlier flow: a finished one is a replay, a superseded or cancelled one is not', () => {
    for (const outcome of ['completed', 'failed', 'exchanging'] as const) {
      expectVerdict(checkState(handCtx(`${REDIRECT}?code=c&state=old`, { outcomeOf: () => outcome })), { code: 'state_mismatch', effect: 'drop', replay: true });
    }
    for (const outcome of ['superseded', 'cancelled', 'expired', undefined] as const) {
      expectVerdict(checkState(handCtx(`${REDIRECT}?code=c&state=old`, { outcomeOf: () => outcome })), { code: 'state_mismatch', effect: 'drop' });
    }
  });

  it('no pending flow: the outcome of the named flow decides the code and the replay flag', () => {
    const none = { pending: undefined };
    const asked: string[] = [];
    const outcomeOf = (outcome: FlowOutcome | undefined) => (state: string) => {
      asked.push(state);
      return outcome;
    };
    expectVerdict(checkPendingFlow(handCtx(`${REDIRECT}?code=c&state=s`, { ...none, outcomeOf: outcomeOf('expired') })), { code: 'flow_expired', effect: 'drop' });
    for (const outcome of ['completed', 'failed', 'exchanging'] as const) {
      expectVerdict(checkPendingFlow(handCtx(`${REDIRECT}?code=c&state=s`, { ...none, outcomeOf: outcomeOf(outcome) })), { code: 'no_pending_flow', effect: 'drop', replay: true });
    }
    for (const outcome of ['superseded', 'cancelled', undefined] as const) {
      expectVerdict(checkPendingFlow(handCtx(`${REDIRECT}?code=c&state=s`, { ...none, outcomeOf: outcomeOf(outcome) })), { code: 'no_pending_flow', effect: 'drop' });
    }
    expect(asked).toEqual(['s', 's', 's', 's', 's', 's', 's']);
    // Without a state nothing is looked up.
    expectVerdict(checkPendingFlow(handCtx(`${REDIRECT}?code=c`, { ...none, outcomeOf: outcomeOf('completed') })), { code: 'no_pending_flow', effect: 'drop' });
    expect(asked).toHaveLength(7);
    expect(checkPendingFlow(handCtx(`${REDIRECT}?code=c&state=s`))).toBeUndefined();
  });

  it('flow expiry: one millisecond before expiresAt passes, at expiresAt the flow ends', () => {
    expect(checkFlowExpiry(handCtx(`${REDIRECT}?code=c&state=state-1`, { now: PENDING.expiresAt - 1 }))).toBeUndefined();
    expectVerdict(checkFlowExpiry(handCtx(`${REDIRECT}?code=c&state=state-1`, { now: PENDING.expiresAt })), { code: 'flow_expired', effect: 'end-flow' });
    expect(checkFlowExpiry(handCtx(`${REDIRECT}?code=c&state=state-1`, { pending: undefined, now: PENDING.expiresAt }))).toBeUndefined();
  });

  it('the URL length limit is 8 KiB: 8192 characters pass, 8193 are refused', () => {
    const base = `${REDIRECT}?state=state-1&code=`;
    expect(checkRedirectTarget(handCtx(base + 'c'.repeat(8192 - base.length)))).toBeUndefined();
    expectVerdict(checkRedirectTarget(handCtx(base + 'c'.repeat(8193 - base.length))), { code: 'callback_rejected', effect: 'drop' });
  });

  it('the redirect target: scheme case-insensitive, path exact, answer without a query allowed through to the later checks', () => {
    expect(checkRedirectTarget(handCtx('App.Scrubin:/callback?code=c'))).toBeUndefined();
    expect(checkRedirectTarget(handCtx(REDIRECT))).toBeUndefined();
    expectVerdict(checkRedirectTarget(handCtx('app.scrubin:/Callback?code=c')), { code: 'callback_rejected', effect: 'drop' });
    expectVerdict(checkRedirectTarget(handCtx('app.scrubin:/callbackx')), { code: 'callback_rejected', effect: 'drop' });
    expectVerdict(checkRedirectTarget(handCtx('xapp.scrubin:/callback?code=c')), { code: 'callback_rejected', effect: 'drop' });
    expectVerdict(checkRedirectTarget(handCtx('app.scrubin:/callback#code=c')), { code: 'callback_rejected', effect: 'drop' });
    expectVerdict(checkRedirectTarget(handCtx('not a url')), { code: 'callback_rejected', effect: 'drop' });
  });

  it.each(['state', 'code', 'error', 'error_description', 'iss'])('a repeated %s is forged: callback_rejected', (name) => {
    const raw = `${REDIRECT}?code=c&state=state-1&${name}=a&${name}=b`;
    expectVerdict(checkSingleValues(handCtx(raw)), { code: 'callback_rejected', effect: 'drop' });
    expectVerdict(checkCallback(handCtx(raw)), { code: 'callback_rejected', effect: 'drop' });
  });

  it('parameters once each pass the single-value check, and so does a callback that is not a URL (the target check refuses it)', () => {
    expect(checkSingleValues(handCtx(`${REDIRECT}?code=c&state=state-1&iss=x&scope=a&scope=b`))).toBeUndefined();
    expect(checkSingleValues(handCtx('::::'))).toBeUndefined();
  });

  it('IdP error names are echoed only when plain (1 to 64 of [A-Za-z0-9_.-], whole value)', () => {
    const detail = (error: string): string => checkIdpError(handCtx(`${REDIRECT}?state=state-1&error=${encodeURIComponent(error)}`))?.detail ?? '';
    const plain64 = `e${'x'.repeat(63)}`;
    expect(detail(plain64)).toContain(plain64);
    expect(detail(`${plain64}x`)).not.toContain(plain64);
    expect(detail('server_error<b>')).not.toContain('server_error');
    expect(detail('<b>server_error')).not.toContain('server_error');
    expect(detail('temporarily.unavailable-1')).toContain('temporarily.unavailable-1');
    expectVerdict(checkIdpError(handCtx(`${REDIRECT}?state=state-1&error=`)), { code: 'idp_error', effect: 'end-flow' });
    expectVerdict(checkIdpError(handCtx(`${REDIRECT}?state=state-1&error=access_denied`)), { code: 'access_denied', effect: 'end-flow' });
    expect(checkIdpError(handCtx(`${REDIRECT}?state=state-1&code=c`))).toBeUndefined();
  });

  it('a check that throws drops the callback as callback_rejected instead of crashing (and the later checks do not run)', () => {
    const verdict = checkCallback(
      handCtx(`${REDIRECT}?code=c&state=s`, {
        pending: undefined,
        outcomeOf: () => {
          throw new Error('history unavailable');
        },
      }),
    );
    expectVerdict(verdict, { code: 'callback_rejected', effect: 'drop' });
  });

  it('every check passes an acceptable callback, in order, and the first objection decides', () => {
    const ok = handCtx(`${REDIRECT}?code=c&state=state-1`);
    for (const [, check] of CALLBACK_CHECKS) expect(check(ok)).toBeUndefined();
    // Both a wrong scheme and a missing code: the earlier check (redirect target) decides.
    expectVerdict(checkCallback(handCtx('app.evil:/callback?state=other')), { code: 'callback_rejected', effect: 'drop' });
    expect(checkCallback(handCtx('app.evil:/callback?state=other'))?.detail).toBe(checkRedirectTarget(handCtx('app.evil:/callback?state=other'))?.detail);
  });
});
