/**
 * Proof that a forced sign-in really authenticated the person again (security defect 1). `prompt=login` is only a
 * request: a browser that drops it, a managed-login setup that ignores it, or a federated IdP with a live session
 * signs the person in from an old session. The ID token's `auth_time` says when the person last authenticated, in
 * the SERVER's clock: a forced sign-in is accepted only if that moment is not earlier than the moment the flow
 * began, converted to server time with the offset learned from the `Date` header of the token endpoint's answer
 * (both instants measured on this machine's monotonic clock, so neither a wrong terminal date nor a clock change
 * during the sign-in matters).
 * The tolerance covers only clock uncertainty (docs/threat-model.md): `auth_time` and `Date` both have
 * one-second resolution (up to 1 s each) plus the one-way delay of the answer the offset came from.
 */

/** Seconds of clock uncertainty allowed (two 1-second truncations, the answer's delay, margin). */
export const REAUTH_TOLERANCE_SECONDS = 5;

/**
 * This machine's time on a clock that wall-clock changes do not move (the flow's start and an answer's arrival
 * are measured on it; the terminal's own date may be wrong, or, in tests, a manual clock).
 */
export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}

/** server time - monotonicNow() in ms, from an answer's `Date` header and when it arrived; null without a usable header. */
export function serverOffsetMs(dateHeader: string | null | undefined, receivedAt: number): number | null {
  if (!dateHeader) return null;
  const serverMs = Date.parse(dateHeader);
  return Number.isNaN(serverMs) ? null : serverMs - receivedAt;
}

export type FreshAuthCheck = { ok: true } | { ok: false; detail: string };

/**
 * Whether `authTimeSeconds` (the ID token's auth_time, server clock) is at or after the flow's start
 * (`flowStartedAtMs`, monotonic clock) less the tolerance, with `serverOffsetMs` converting it to server time.
 */
export function checkFreshAuthentication(
  authTimeSeconds: number | undefined,
  flowStartedAtMs: number,
  serverOffsetMs: number,
  toleranceSeconds: number = REAUTH_TOLERANCE_SECONDS,
): FreshAuthCheck {
  if (authTimeSeconds === undefined) return { ok: false, detail: 'the ID token has no auth_time, so a fresh authentication cannot be shown' };
  const flowStartServerMs = flowStartedAtMs + serverOffsetMs;
  const earliestMs = flowStartServerMs - toleranceSeconds * 1000;
  if (authTimeSeconds * 1000 >= earliestMs) return { ok: true };
  const before = Math.round((flowStartServerMs - authTimeSeconds * 1000) / 1000);
  return { ok: false, detail: `auth_time is ${before} s before this sign-in began: the person was not asked for a password again` };
}
