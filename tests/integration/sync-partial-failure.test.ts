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
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STALE_WRITER_MS } from '../../main/sync/synchronise';
import { SyncBench, T0, openAndSettle, readCache, values, type SyncTerminal, type TerminalExtra } from '../support/sync';

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

const datasetsOf = async (t: SyncTerminal): Promise<string[]> => Object.keys((await readCache(t.cacheDir, t.identityId)).datasets).sort();

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
    bench.ld.failNext('DynamoDB.UpdateItem', { count: 2 }); // begin and the usage reservation go through
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

describe('issue 24 #2: the limits hold across terminals; an over-full dataset is no dead end; datasets can be deleted', () => {
  const limits = { maxRecordsPerDataset: 3, maxDatasets: 2 };

  /**
   * A and B of one person; B has synced `seed` (so A's next sync pulls). `racing()` then syncs A, and between A's
   * pull and A's push lets B sync: each saw only its own changes, within the limits.
   */
  async function racers(seed: [string, string]): Promise<{ a: SyncTerminal; b: SyncTerminal; awsDir: string; racing: () => Promise<unknown> }> {
    let interfere = false;
    const awsDir = await person();
    const b = await opened(awsDir, 'terminal-b', { limits });
    const a = await opened(awsDir, 'terminal-a', {
      limits,
      afterPull: async () => {
        if (!interfere) return;
        interfere = false;
        expect(await b.syncNow()).toMatchObject({ type: 'synced', pushed: 1 });
      },
    });
    await b.sync.set(...seed, 'x');
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    const racing = (): Promise<unknown> => {
      interfere = true;
      return a.syncNow();
    };
    return { a, b, awsDir, racing };
  }

  it('two terminals syncing at once cannot together go past the record limit of a dataset', async () => {
    const { a, b, awsDir, racing } = await racers(['rooms', 'r0']);
    await a.sync.set('rooms', 'r1', 'x');
    await a.sync.set('rooms', 'r2', 'x'); // A will see r0 + r1 + r2: at the limit, fine on its own
    await b.sync.set('rooms', 'r3', 'x'); // B sees r0 + r3: fine on its own
    expect(await racing()).toMatchObject({ type: 'sync-failed', code: 'sync_limit' });
    expect(a.events).toContainEqual({ type: 'limit', dataset: 'rooms', detail: expect.stringContaining('counted on the server') as unknown });
    expect(Object.keys(await values(await opened(awsDir, 'terminal-c', { limits }), 'rooms')).length).toBeLessThanOrEqual(3);
  });

  it('two terminals syncing at once cannot together go past the dataset limit', async () => {
    const { a, b, awsDir, racing } = await racers(['first', 'k']);
    await a.sync.set('fromA', 'k', 'x'); // A will know "first" + "fromA"
    await b.sync.set('fromB', 'k', 'x'); // B knows "first" + "fromB"
    expect(await racing()).toMatchObject({ type: 'sync-failed', code: 'sync_limit' });
    expect(await datasetsOf(await opened(awsDir, 'terminal-c', { limits }))).toEqual(['first', 'fromB']);
  });

  it('a dataset left over its limits by an older version: changes that do not grow it work, and deleting datasets frees slots', async () => {
    const awsDir = await person();
    const a = await bench.terminal(await bench.guest(awsDir), 'terminal-a', { limits });
    // An older version left 5 records in "rooms" and 3 datasets (no usage recorded, no dataset slots taken).
    const creds = await (await bench.guest(awsDir)).getCredentials();
    const raw = new DynamoDBClient({
      region: bench.ld.region,
      endpoint: bench.ld.origin,
      maxAttempts: 1,
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    });
    const put = (sk: string, item: Record<string, { S: string } | { N: string } | { BOOL: boolean }>) =>
      raw.send(new PutItemCommand({ TableName: bench.ld.tableName, Item: { identityId: { S: a.identityId }, sk: { S: sk }, ...item } }));
    for (const ds of ['rooms', 'old1', 'old2']) await put(`d#${ds}`, { dataset: { S: ds }, syncCount: { N: '1' } });
    for (const [ds, key] of [['rooms', 'r1'], ['rooms', 'r2'], ['rooms', 'r3'], ['rooms', 'r4'], ['rooms', 'r5'], ['old1', 'k'], ['old2', 'k']] as const) {
      const record = { dataset: { S: ds }, key: { S: key }, value: { S: 'old' }, deleted: { BOOL: false }, version: { N: '1' }, lastModified: { N: String(T0) }, deviceId: { S: 'old-terminal' } };
      await put(`r#${ds}#${key}`, record);
    }
    raw.destroy();
    await openAndSettle(a);
    expect(Object.keys(await values(a, 'rooms'))).toHaveLength(5);

    // Changing an existing key does not grow the dataset: allowed. A sixth key is refused at once.
    await a.sync.set('rooms', 'r1', 'new');
    expect(await a.syncNow()).toMatchObject({ type: 'synced', pushed: 1 });
    await expect(a.sync.set('rooms', 'r6', 'x')).rejects.toMatchObject({ code: 'sync_limit' });
    await expect(a.sync.set('fresh', 'k', 'x')).rejects.toMatchObject({ code: 'sync_limit' });

    // Deleting datasets frees their slots, on the server and on the person's other terminals.
    const b = await opened(awsDir, 'terminal-b', { limits });
    expect(await datasetsOf(b)).toEqual(['old1', 'old2', 'rooms']);
    await a.sync.deleteDataset('old1');
    await a.sync.deleteDataset('old2');
    expect(a.sync.get('old1', 'k')).toBeUndefined();
    expect(await a.syncNow()).toMatchObject({ type: 'synced' });
    await a.sync.set('fresh', 'k', 'x');
    expect(await a.syncNow()).toMatchObject({ type: 'synced', pushed: 1 });
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    expect(await datasetsOf(b)).toEqual(['fresh', 'rooms']);
    expect(b.changes).toContainEqual({ kind: 'record', identityId: b.identityId, dataset: 'old1', key: 'k', value: null, source: 'remote' });
    expect(await datasetsOf(await opened(awsDir, 'terminal-c', { limits }))).toEqual(['fresh', 'rooms']);
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
