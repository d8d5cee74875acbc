/**
 * The freshness check of forced sign-ins (security defect 1), in isolation: offsets from Date headers and the
 * tolerance boundary. The end-to-end proof (local-cognito ignoring prompt=login) is in tests/integration.
 */
import { describe, expect, it } from 'vitest';
import { checkFreshAuthentication, monotonicNow, REAUTH_TOLERANCE_SECONDS, serverOffsetMs } from '../../main/auth/fresh-auth';

const T0 = Date.UTC(2026, 11, 4, 7, 0, 0);

describe('serverOffsetMs', () => {
  it('is server time minus the arrival time of the answer', () => {
    expect(serverOffsetMs(new Date(T0 + 90_000).toUTCString(), T0)).toBe(90_000);
    expect(serverOffsetMs(new Date(T0 - 3_000).toUTCString(), T0)).toBe(-3_000);
  });

  it('is null without a usable Date header', () => {
    expect(serverOffsetMs(null, T0)).toBeNull();
    expect(serverOffsetMs('yesterday-ish', T0)).toBeNull();
  });

  it('monotonicNow never goes backwards', () => {
    const a = monotonicNow();
    expect(monotonicNow()).toBeGreaterThanOrEqual(a);
  });
});

describe('checkFreshAuthentication', () => {
  it('accepts an authentication after the flow began', () => {
    expect(checkFreshAuthentication(T0 / 1000 + 20, T0, 0)).toEqual({ ok: true });
  });

  it('refuses an authentication from an earlier session (the previous person, an hour ago)', () => {
    const result = checkFreshAuthentication(T0 / 1000 - 3600, T0, 0);
    expect(result).toEqual({ ok: false, detail: 'auth_time is 3600 s before this sign-in began: the person was not asked for a password again' });
  });

  it('refuses a token without auth_time', () => {
    expect(checkFreshAuthentication(undefined, T0, 0).ok).toBe(false);
  });

  it('allows exactly the tolerance, not a second more', () => {
    expect(checkFreshAuthentication(T0 / 1000 - REAUTH_TOLERANCE_SECONDS, T0, 0).ok).toBe(true);
    expect(checkFreshAuthentication(T0 / 1000 - REAUTH_TOLERANCE_SECONDS - 1, T0, 0).ok).toBe(false);
    expect(REAUTH_TOLERANCE_SECONDS).toBeLessThanOrEqual(10); // clock uncertainty, never a minute
  });

  it('corrects for a terminal clock that runs ahead of the server (no false refusal)', () => {
    // Terminal 2 minutes fast: the flow began at local T0, server time T0 - 120 s; the person typed at server T0 - 100 s.
    expect(checkFreshAuthentication(T0 / 1000 - 100, T0, -120_000).ok).toBe(true);
    expect(checkFreshAuthentication(T0 / 1000 - 100, T0, 0).ok).toBe(false);
  });

  it('corrects for a terminal clock that runs behind (an old session cannot hide in the skew)', () => {
    // Terminal 2 minutes slow: flow began at server T0 + 120 s; an authentication at server T0 + 30 s is older.
    expect(checkFreshAuthentication(T0 / 1000 + 30, T0, 120_000).ok).toBe(false);
    expect(checkFreshAuthentication(T0 / 1000 + 30, T0, 0).ok).toBe(true);
  });
});
