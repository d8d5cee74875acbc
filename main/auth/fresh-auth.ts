/**
 * Proof that a forced sign-in really authenticated the person again (security defect 1). `prompt=login` is only a
 * request: a browser that drops it, a managed-login setup that ignores it, or a federated IdP with a live session
 * signs the person in from an old session. The ID token's `auth_time` says when the person last authenticated, in
 * the SERVER's clock: a forced sign-in is accepted only if that moment is not earlier than the moment the flow
 * began, converted to server time with the offset learned from the `Date` headers of the pool's answers.
 * The tolerance covers only clock uncertainty (docs/threat-model.md): `auth_time` and `Date` both have
 * one-second resolution (up to 1 s each) plus the one-way delay of the answer the offset came from.
 */

/** Seconds of clock uncertainty allowed (two 1-second truncations, the answer's delay, margin). */
export const REAUTH_TOLERANCE_SECONDS = 5;

/** The server's clock relative to ours, learned from HTTP `Date` headers (the newest answer wins). */
export class ServerClock {
  private offset: number | null = null;

  /** Records a `Date` header received at local time `localMs`; unparsable or missing headers are ignored. */
  observe(dateHeader: string | null | undefined, localMs: number): void {
    if (!dateHeader) return;
    const serverMs = Date.parse(dateHeader);
    if (Number.isNaN(serverMs)) return;
    this.offset = serverMs - localMs;
  }

  /** server time - local time in ms (0 until an answer was seen). */
  offsetMs(): number {
    return this.offset ?? 0;
  }

  /** Whether any answer has told us the server's time. */
  known(): boolean {
    return this.offset !== null;
  }
}

export type FreshAuthCheck = { ok: true } | { ok: false; detail: string };

/**
 * Whether `authTimeSeconds` (the ID token's auth_time, server clock) is at or after the flow's start
 * (`flowStartedAtMs`, local clock) less the tolerance, with `serverOffsetMs` converting local to server time.
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
