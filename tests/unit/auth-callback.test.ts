/** Callback checks, one by one and composed, with a ManualClock-driven pending flow. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { CALLBACK_CHECKS, checkCallback, parseCallbackUrl, type CallbackContext } from '../../main/auth/callback';
import { PendingFlows } from '../../main/auth/pending-flow';

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
