/** Backoff math, bounded retries without sleeping, single-flight with a stub token function. */
import { describe, expect, it } from 'vitest';
import { ScrubInError } from '../../main/errors';
import { backoffDelay, DEFAULT_RETRY, withRetry } from '../../main/auth/retry';
import { SingleFlight } from '../../main/auth/single-flight';

describe('backoff with full jitter', () => {
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
  it('is random() * min(cap, base * 2^retry)', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(policy, n, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 2, () => 0.5)).toBe(200);
  });
  it('clamps a misbehaving random into [0, 1]', () => {
    expect(backoffDelay(policy, 1, () => 7)).toBe(200);
    expect(backoffDelay(policy, 1, () => -1)).toBe(0);
  });
  it('defaults to one try and three retries', () => {
    expect(DEFAULT_RETRY.attempts).toBe(4);
  });
});

describe('withRetry', () => {
  it('retries transient errors up to the bound, sleeping the jittered delays, then rethrows', async () => {
    const slept: number[] = [];
    let calls = 0;
    const error = await withRetry(
      () => {
        calls++;
        return Promise.reject(new ScrubInError('server_error'));
      },
      { policy: { attempts: 3, baseDelayMs: 100, maxDelayMs: 10_000 }, random: () => 0.5, sleep: (ms) => (slept.push(ms), Promise.resolve()) },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'server_error' });
    expect(calls).toBe(3);
    expect(slept).toEqual([50, 100]);
  });

  it('does not retry a non-transient error, and returns the first success', async () => {
    let calls = 0;
    await expect(
      withRetry(() => (calls++, Promise.reject(new ScrubInError('refresh_rejected'))), { policy: DEFAULT_RETRY, random: Math.random, sleep: () => Promise.resolve() }),
    ).rejects.toMatchObject({ code: 'refresh_rejected' });
    expect(calls).toBe(1);
    let n = 0;
    const value = await withRetry(() => (++n < 3 ? Promise.reject(new ScrubInError('network')) : Promise.resolve(n)), {
      policy: DEFAULT_RETRY,
      random: Math.random,
      sleep: () => Promise.resolve(),
    });
    expect(value).toBe(3);
  });
});

describe('single-flight', () => {
  it('200 concurrent callers share one run; the next call starts a new one', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const token = async () => {
      runs++;
      await gate;
      return runs;
    };
    const all = Array.from({ length: 200 }, () => flight.run(token));
    expect(flight.inFlight).toBe(true);
    release();
    expect(new Set(await Promise.all(all))).toEqual(new Set([1]));
    expect(runs).toBe(1);
    expect(flight.inFlight).toBe(false);
    await flight.run(token);
    expect(runs).toBe(2);
  });

  it('shares a failure too, and recovers after it', async () => {
    const flight = new SingleFlight<number>();
    const results = await Promise.allSettled([1, 2, 3].map(() => flight.run(() => Promise.reject(new ScrubInError('network')))));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(await flight.run(() => Promise.resolve(5))).toBe(5);
  });
});
