/**
 * Settings sync under partial failure (issue 24): two terminals of one person against the local DynamoDB, with
 * local-cognito faults (a request that fails, one whose answer is lost, two terminals syncing at once). What
 * reached the server becomes visible everywhere by itself; the limits hold across terminals, and an over-full
 * dataset left by an older version is no dead end; conflicts follow the server's order, never device clocks.
 * (The bounded sign-out with a hung DynamoDB is sync-sign-out.test.ts.)
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STALE_WRITER_MS } from '../../main/sync/synchronise';
import { SyncBench, T0, openAndSettle, type SyncTerminal, type TerminalExtra } from '../support/sync';

let bench: SyncBench;
beforeAll(async () => {
  bench = await SyncBench.start();
});
afterAll(() => bench.stop());
afterEach(() => bench.cleanup());

const person = (): Promise<string> => mkdtemp(join(tmpdir(), 'scrubin-sync-aws-'));

/** A terminal of the person whose guest identity lives in `awsDir`, opened (its sign-in sync succeeded). */
async function opened(awsDir: string, deviceId: string, extra: TerminalExtra = {}): Promise<SyncTerminal> {
  const t = await bench.terminal(await bench.guest(awsDir), deviceId, extra);
  await openAndSettle(t);
  return t;
}

/** Two terminals of one person, both open. */
async function twoTerminals(extra: TerminalExtra = {}): Promise<[SyncTerminal, SyncTerminal, string]> {
  const awsDir = await person();
  return [await opened(awsDir, 'terminal-a', extra), await opened(awsDir, 'terminal-b', extra), awsDir];
}

describe('issue 24 #1: whatever reached the server is visible to every other terminal at its next sync', () => {
  it('after a lost answer to a record write, and after a push whose end failed and whose terminal then left', async () => {
    const [a, b] = await twoTerminals();

    // The write reaches DynamoDB but its answer is lost: A retries, finds its own write there and adopts it.
    await a.sync.set('prefs', 'textSize', 'large');
    bench.ld.failNext('DynamoDB.PutItem', { loseAnswer: true });
    expect(await a.syncNow()).toMatchObject({ type: 'synced' });
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    expect(b.sync.get('prefs', 'textSize')).toBe('large');

    // The record is written, but every attempt to end the push fails; then A leaves for good (shared terminal,
    // network down: nothing flushed, cache removed). B still sees the change at its next sync.
    await a.sync.set('prefs', 'favouriteRoom', 'OR-3');
    bench.ld.failNext('DynamoDB.UpdateItem'); // the begin goes through
    bench.ld.failNext('DynamoDB.UpdateItem', { status: 500, count: 3 });
    expect(await a.syncNow()).toMatchObject({ type: 'sync-failed', code: 'server_error' });
    await a.sync.close({ flush: false, purge: true });
    expect(await b.syncNow()).toMatchObject({ type: 'synced', pulled: 1 });
    expect(b.sync.get('prefs', 'favouriteRoom')).toBe('OR-3');

    // Ten minutes on, B ends the abandoned push; from then on B no longer re-reads the dataset at every sync.
    b.clock.advance(STALE_WRITER_MS + 1);
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    expect(b.events).toContainEqual({ type: 'push-abandoned', dataset: 'prefs' });
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    const queries = bench.ld.counts()['DynamoDB.Query'] ?? 0;
    expect(await b.syncNow()).toMatchObject({ type: 'synced', pulled: 0 });
    expect((bench.ld.counts()['DynamoDB.Query'] ?? 0) - queries).toBe(1); // the dataset list only
  });
});

describe('issue 24 #4: conflicts follow the server order, never device clocks, and the person is told', () => {
  it('a terminal whose clock runs 10 minutes fast cannot win with an older edit', async () => {
    const awsDir = await person();
    const fast = await opened(awsDir, 'terminal-fast', { startAt: T0 + 10 * 60_000 });
    const b = await opened(awsDir, 'terminal-b');
    // The fast terminal edits first, offline.
    bench.ld.failNext('DynamoDB.Query', { reset: true, count: 3 });
    await fast.sync.set('prefs', 'textSize', 'large');
    expect(await fast.syncNow()).toMatchObject({ type: 'sync-failed', code: 'network' });
    // A minute later another terminal changes the same preference; its change reaches the server first.
    b.clock.advance(60_000);
    await b.sync.set('prefs', 'textSize', 'x-large');
    expect(await b.syncNow()).toMatchObject({ type: 'synced', pushed: 1 });
    // The fast terminal comes back: the server's order decides, and its person is told their change was replaced.
    expect(await fast.syncNow()).toMatchObject({ type: 'synced', pushed: 0, conflicts: 1 });
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    expect(fast.sync.get('prefs', 'textSize')).toBe('x-large');
    expect(b.sync.get('prefs', 'textSize')).toBe('x-large');
    expect(fast.events).toContainEqual({ type: 'conflict', dataset: 'prefs', key: 'textSize', resolution: 'remote', by: 'default' });
    expect(fast.changes).toContainEqual({ kind: 'record', identityId: fast.identityId, dataset: 'prefs', key: 'textSize', value: 'x-large', source: 'remote', overridden: true });
  });
});
