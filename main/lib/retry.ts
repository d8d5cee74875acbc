/**
 * Bounded retries with exponential backoff and full jitter (delay = random() * min(cap, base * 2^n)), the one
 * loop every caller uses (token endpoint, discovery, identity pool, settings sync). Time goes through an
 * injected `sleep`, so tests never wait; which failures are worth another attempt is the caller's decision.
 */
import type { Clock } from '../clock';

export interface RetryPolicy {
  /** Total attempts including the first (>= 1). */
  maxAttempts: number;
  /** Base of the exponential ceiling, in ms. */
  baseDelayMs: number;
  /** Upper bound of one delay, in ms. */
  maxDelayMs: number;
}

/** A policy as configuration or a caller gives it: any field left out takes the default. */
export type RetryOptions = Partial<RetryPolicy>;

export type Sleep = (ms: number) => Promise<void>;

export function resolveRetry(options: RetryOptions | undefined, defaults: RetryPolicy): RetryPolicy {
  return {
    maxAttempts: Math.max(1, Math.floor(options?.maxAttempts ?? defaults.maxAttempts)),
    baseDelayMs: Math.max(0, options?.baseDelayMs ?? defaults.baseDelayMs),
    maxDelayMs: Math.max(0, options?.maxDelayMs ?? defaults.maxDelayMs),
  };
}

/** Full jitter: a uniform delay in [0, min(maxDelay, base * 2^retry)) before retry number `retry` (0 = the first). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

/** A sleep on the injected clock (a test's manual clock moves it). */
export function clockSleep(clock: Clock): Sleep {
  return (ms) => new Promise<void>((resolve) => clock.setTimer(ms, resolve));
}

export interface RetryLoop {
  policy: RetryPolicy;
  random: () => number;
  sleep: Sleep;
  /** Whether this failure is worth another attempt (attempts left are counted by the loop). */
  retryable: (error: unknown) => boolean;
  /** Sees each failure that will be retried, with its 1-based attempt number and the chosen delay, before the wait. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `operation` (given its 1-based attempt number) until it succeeds, fails with an error `retryable` refuses,
 * or `policy.maxAttempts` attempts have failed. The last error is rethrown as it is.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, loop: RetryLoop): Promise<T> {
  const attempts = Math.max(1, Math.floor(loop.policy.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !loop.retryable(error)) throw error;
      const delayMs = backoffDelay(loop.policy, attempt - 1, loop.random);
      loop.onRetry?.(error, attempt, delayMs);
      await loop.sleep(delayMs);
    }
  }
}
