/** main/lib: backoff math, the one retry loop, single-flights, safe listener calls, SDK error reading, atomic JSON files. */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ScrubInError } from '../../main/errors';
import { DEFAULT_RETRY, isTransient } from '../../main/auth/map-error';
import {
  backoffDelay,
  callSafely,
  emitAll,
  Flights,
  isNetworkCode,
  readJsonFile,
  readSdkError,
  redact,
  resolveRetry,
  SingleFlight,
  withRetry,
  writeJsonFile,
} from '../../main/lib';

const noSleep = (): Promise<void> => Promise.resolve();

describe('backoff with full jitter', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
  it('is random() * min(cap, base * 2^retry)', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(policy, n, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 2, () => 0.5)).toBe(200);
  });
  it('clamps a misbehaving random into [0, 1]', () => {
    expect(backoffDelay(policy, 1, () => 7)).toBe(200);
    expect(backoffDelay(policy, 1, () => -1)).toBe(0);
  });
  it('the user pool defaults to one try and three retries', () => {
    expect(DEFAULT_RETRY.maxAttempts).toBe(4);
  });
  it('resolves left-out fields from the defaults and keeps at least one attempt', () => {
    expect(resolveRetry({ baseDelayMs: 1 }, DEFAULT_RETRY)).toEqual({ maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 4_000 });
    expect(resolveRetry({ maxAttempts: 0, maxDelayMs: -5 }, DEFAULT_RETRY)).toEqual({ maxAttempts: 1, baseDelayMs: 250, maxDelayMs: 0 });
  });
});

describe('withRetry', () => {
  it('retries what the caller calls retryable up to the bound, sleeping the jittered delays, then rethrows the last error', async () => {
    const slept: number[] = [];
    let calls = 0;
    const error = await withRetry(
      () => {
        calls++;
        return Promise.reject(new ScrubInError('server_error'));
      },
      {
        policy: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 10_000 },
        random: () => 0.5,
        sleep: (ms) => (slept.push(ms), Promise.resolve()),
        retryable: isTransient,
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'server_error' });
    expect(calls).toBe(3);
    expect(slept).toEqual([50, 100]);
  });

  it('does not retry an error the caller refuses', async () => {
    let calls = 0;
    await expect(
      withRetry(() => (calls++, Promise.reject(new ScrubInError('refresh_rejected'))), { policy: DEFAULT_RETRY, random: Math.random, sleep: noSleep, retryable: isTransient }),
    ).rejects.toMatchObject({ code: 'refresh_rejected' });
    expect(calls).toBe(1);
  });

  it('returns the first success, telling onRetry each failed attempt number and delay', async () => {
    const retries: Array<[number, number]> = [];
    let n = 0;
    const value = await withRetry((attempt) => (++n < 3 ? Promise.reject(new ScrubInError('network')) : Promise.resolve(attempt)), {
      policy: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 1_000 },
      random: () => 0.5,
      sleep: noSleep,
      retryable: isTransient,
      onRetry: (_error, attempt, delayMs) => retries.push([attempt, delayMs]),
    });
    expect(value).toBe(3);
    expect(retries).toEqual([
      [1, 5],
      [2, 10],
    ]);
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

  it('a task that throws before its first await rejects the caller and leaves the flight free', async () => {
    const flight = new SingleFlight<number>();
    await expect(
      flight.run(() => {
        throw new ScrubInError('internal');
      }),
    ).rejects.toMatchObject({ code: 'internal' });
    expect(flight.inFlight).toBe(false);
  });

  it('keyed: callers of one key share a run, other keys run on their own', async () => {
    const flights = new Flights<string, string>();
    let runs = 0;
    const task = (value: string) => () => (runs++, Promise.resolve(value));
    const [a1, a2, b] = await Promise.all([flights.run('a', task('a')), flights.run('a', task('x')), flights.run('b', task('b'))]);
    expect([a1, a2, b]).toEqual(['a', 'a', 'b']);
    expect(runs).toBe(2);
    expect(flights.size).toBe(0);
  });

  it('keyed: a forgotten run goes on, but the next caller of its key starts a new one', async () => {
    const flights = new Flights<string, number>();
    let release!: (value: number) => void;
    const first = flights.run('a', () => new Promise<number>((r) => (release = r)));
    flights.forget((key) => key === 'a');
    const second = flights.run('a', () => Promise.resolve(2));
    release(1);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
  });
});

describe('safe listener calls', () => {
  it('a throwing listener does not stop the others, and its error goes to onError', () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const listeners = new Set<(v: string) => void>([
      (v) => seen.push(`a:${v}`),
      () => {
        throw new Error('broken');
      },
      (v) => seen.push(`c:${v}`),
    ]);
    emitAll(listeners, 'x', (e) => errors.push(e));
    expect(seen).toEqual(['a:x', 'c:x']);
    expect(errors).toHaveLength(1);
  });

  it('callSafely swallows a throwing listener and a throwing error reporter, and skips a missing listener', () => {
    expect(() =>
      callSafely(
        () => {
          throw new Error('listener');
        },
        1,
        () => {
          throw new Error('reporter');
        },
      ),
    ).not.toThrow();
    expect(() => callSafely(undefined, 1)).not.toThrow();
  });
});

describe('reading SDK errors', () => {
  it('reads name, status and a redacted message, and never a token', () => {
    const facts = readSdkError({ name: 'NotAuthorizedException', $metadata: { httpStatusCode: 400 }, message: 'bad token eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl' });
    expect(facts).toMatchObject({ name: 'NotAuthorizedException', status: 400, network: false });
    expect(facts.message).toBe('bad token [token]');
  });

  it('a socket error on the cause is a network failure with its code', () => {
    const error = Object.assign(new Error('socket hang up'), { cause: { code: 'ECONNRESET' } });
    expect(readSdkError(error)).toMatchObject({ code: 'ECONNRESET', network: true });
  });

  it('one list of network codes: Node socket codes and undici timeouts, nothing else', () => {
    expect(['ECONNRESET', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_HEADERS_TIMEOUT'].every(isNetworkCode)).toBe(true);
    expect([undefined, 'EACCES', 'ERR_INVALID_URL', 42].some(isNetworkCode)).toBe(false);
  });

  it('redact shortens to 200 characters and hides long opaque strings', () => {
    expect(redact('x'.repeat(500)).length).toBeLessThanOrEqual(200);
    expect(redact(`key ${'A'.repeat(60)}`)).toBe('key [redacted]');
  });
});

describe('atomic JSON files', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(tmpdir(), 'scrubin-lib-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const Shape = z.strictObject({ n: z.number() });

  it('writes owner-only, leaves no temporary file, and reads back what it wrote', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'nested', 'a.json');
    await writeJsonFile(file, { n: 1 });
    expect(await readJsonFile(file, Shape)).toEqual({ n: 1 });
    expect(await readdir(path.dirname(file))).toEqual(['a.json']);
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('a truncated, foreign-shaped or missing file reads as absent', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'b.json');
    expect(await readJsonFile(file, Shape)).toBeUndefined();
    await writeFile(file, '{"n": 1');
    expect(await readJsonFile(file, Shape)).toBeUndefined();
    await writeFile(file, '{"n": "one"}');
    expect(await readJsonFile(file, Shape)).toBeUndefined();
  });

  it('a write whose rename fails removes its temporary file and leaves what was there', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'c.json');
    // A folder (not empty) where the file should go: the final rename cannot replace it.
    await mkdir(path.join(file, 'inside'), { recursive: true });
    await expect(writeJsonFile(file, { n: 1 })).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['c.json']);
    expect(await readdir(file)).toEqual(['inside']);
  });

  it('creates the folder again when it was removed since the last write', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'gone', 'd.json');
    await writeJsonFile(file, { n: 1 });
    await rm(path.dirname(file), { recursive: true });
    await writeJsonFile(file, { n: 2 });
    expect(await readJsonFile(file, Shape)).toEqual({ n: 2 });
  });
});
