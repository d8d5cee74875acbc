/**
 * Bounded retries with exponential backoff and full jitter for transient failures (network, 5xx, 429).
 * Time goes through an injected `sleep` (or the injected Clock), so tests never wait.
 */
import type { Clock } from '../clock';
import { isScrubInError } from '../errors';

export interface RetryPolicy {
  /** Total attempts including the first (>= 1). The default 4 means one try and three retries. */
  attempts: number;
  /** Base of the exponential ceiling, in ms. */
  baseDelayMs: number;
  /** Upper bound of one delay, in ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 };

export type Sleep = (ms: number) => Promise<void>;

/** Full jitter: a uniform delay in [0, min(maxDelay, base * 2^retry)) for retry number `retry` (0 = first retry). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

export function clockSleep(clock: Clock): Sleep {
  return (ms) => new Promise<void>((resolve) => clock.setTimer(ms, resolve));
}

/** Whether a failure is worth another attempt: our retryable transport codes only. */
export function isTransient(error: unknown): boolean {
  return isScrubInError(error, 'network') || isScrubInError(error, 'server_error') || isScrubInError(error, 'throttled');
}

/**
 * Runs `operation` up to `policy.attempts` times while it fails with a transient error. `onRetry` sees
 * the failure and the chosen delay before each wait. The last error is rethrown as is.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: { policy: RetryPolicy; random: () => number; sleep: Sleep; onRetry?: (error: unknown, attempt: number, delayMs: number) => void },
): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.policy.attempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      const delay = backoffDelay(options.policy, attempt - 1, options.random);
      options.onRetry?.(error, attempt, delay);
      await options.sleep(delay);
    }
  }
}
