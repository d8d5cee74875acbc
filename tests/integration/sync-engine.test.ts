/**
 * Settings sync end to end: two sync engines ("terminals", separate cache folders) against the local
 * DynamoDB front (dynalite behind real SigV4 verification and the LeadingKeys policy), with guest
 * credentials from the real credentials provider and the local identity pool. Time is a ManualClock
 * per terminal; backoff sleeps are recorded, never waited. Everything goes through the terminal's port:
 * "sync now" is `reconnected()`, and a sync's outcome is read from its events.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsProvider } from '../../main/identity-pool';
import { serverOrder, type ConflictHandler, type RecordView, type SyncEvent } from '../../main/sync';
import type { LocalDynamoDb } from '../../local-cognito/dynamodb/standalone';
import { SyncBench, openAndSettle, pending, values, type SyncEnd, type SyncTerminal } from '../support/sync';

let bench: SyncBench;
let ld: LocalDynamoDb;

beforeAll(async () => {
  bench = await SyncBench.start();
  ld = bench.ld;
});
afterAll(() => bench.stop());
afterEach(() => bench.cleanup());

const tmp = (name: string): Promise<string> => mkdtemp(join(tmpdir(), `scrubin-sync-${name}-`));
const guest = (awsDir: string): Promise<CredentialsProvider> => bench.guest(awsDir);
const terminal = (...args: Parameters<SyncBench['terminal']>): Promise<SyncTerminal> => bench.terminal(...args);

/** Favourite rooms merge as a union; everything else by the default policy. */
const unionOfRooms: ConflictHandler = (local, remote) => {
  if (local.key !== 'favouriteRooms') return serverOrder();
  const union = [...new Set([...(remote.value ?? '').split(','), ...(local.value ?? '').split(',')].filter(Boolean))].sort();
  return { value: union.join(',') };
};

describe('one person edits on two terminals while one of them is offline', () => {
  /** What the scenario left behind; each test below asserts one behaviour of it. */
  let seen: {
    offline: SyncEnd;
    pendingOffline: number;
    valuesOffline: Record<string, string>;
    remoteOnOpen: number;
    valuesOnOpen: Record<string, string>;
    reconnect: SyncEnd;
    a: { values: Record<string, string>; pending: number };
    b: { values: Record<string, string>; pending: number; events: SyncEvent[]; conflicts: [RecordView, RecordView][] };
  };

  beforeAll(async () => {
    const awsDir = await tmp('aws');
    const a = await terminal(await guest(awsDir), 'terminal-a', { onConflict: unionOfRooms });
    const b = await terminal(await guest(awsDir), 'terminal-b', { onConflict: unionOfRooms });
    expect(b.identityId).toBe(a.identityId);

    await openAndSettle(a);
    await a.sync.set('prefs', 'textSize', 'large');
    await a.sync.set('prefs', 'favouriteRooms', 'OR-1');
    expect(await a.syncNow()).toMatchObject({ type: 'synced', pushed: 2 });
    await openAndSettle(b);
    const remoteOnOpen = b.changes.filter((c) => c.kind === 'record' && c.source === 'remote').length;
    const valuesOnOpen = await values(b);

    // B goes offline: every DynamoDB request fails at the socket.
    ld.failNext('DynamoDB.Query', { reset: true, count: 3 });
    b.clock.advance(10_000);
    await b.sync.set('prefs', 'textSize', 'small'); // older than A's edit below
    await b.sync.set('prefs', 'theme', 'dark'); // only B
    await b.sync.set('prefs', 'favouriteRooms', 'OR-1,OR-3'); // both edit: the hook merges
    const offline = await b.syncNow();
    const pendingOffline = await pending(b);
    const valuesOffline = await values(b);

    // Meanwhile A (online) edits later.
    a.clock.advance(20_000);
    await a.sync.set('prefs', 'textSize', 'x-large');
    await a.sync.set('prefs', 'volume', '3');
    await a.sync.set('prefs', 'favouriteRooms', 'OR-1,OR-2');
    expect(await a.syncNow()).toMatchObject({ type: 'synced' });

    const reconnect = await b.syncNow();
    expect(await a.syncNow()).toMatchObject({ type: 'synced' });
    seen = {
      offline,
      pendingOffline,
      valuesOffline,
      remoteOnOpen,
      valuesOnOpen,
      reconnect,
      a: { values: await values(a), pending: await pending(a) },
      b: { values: await values(b), pending: await pending(b), events: b.events, conflicts: b.conflicts },
    };
  });

  it("the second terminal gets the first one's settings when it opens, and tells its subscribers", () => {
    expect(seen.valuesOnOpen).toEqual({ textSize: 'large', favouriteRooms: 'OR-1' });
    expect(seen.remoteOnOpen).toBe(2);
  });

  it('offline, the sync fails as retryable and is scheduled again on the clock', () => {
    expect(seen.offline).toMatchObject({ type: 'sync-failed', code: 'network', retryInMs: 5000 });
  });

  it('offline, changes are read back and kept as not yet pushed', () => {
    expect(seen.valuesOffline).toMatchObject({ textSize: 'small', theme: 'dark' });
    expect(seen.pendingOffline).toBe(3);
  });

  it('on reconnect the offline changes are pushed after two conflicts are resolved', () => {
    expect(seen.reconnect).toMatchObject({ type: 'synced', pushed: 2, conflicts: 2 });
  });

  it('both terminals end with the same settings: nothing is lost', () => {
    const expected = { textSize: 'x-large', favouriteRooms: 'OR-1,OR-2,OR-3', theme: 'dark', volume: '3' };
    expect(seen.a.values).toEqual(expected);
    expect(seen.b.values).toEqual(expected);
  });

  it('the hook decides each conflict: the newer remote text size wins, the rooms are merged', () => {
    expect(seen.b.conflicts.map(([l, r]) => [l.key, l.value, r.value]).sort()).toEqual([
      ['favouriteRooms', 'OR-1,OR-3', 'OR-1,OR-2'],
      ['textSize', 'small', 'x-large'],
    ]);
    expect(seen.b.events).toContainEqual({ type: 'conflict', dataset: 'prefs', key: 'textSize', resolution: 'remote', by: 'hook' });
    expect(seen.b.events).toContainEqual({ type: 'conflict', dataset: 'prefs', key: 'favouriteRooms', resolution: 'merged', by: 'hook' });
  });

  it('nothing is left pending on either terminal', () => {
    expect(seen.a.pending).toBe(0);
    expect(seen.b.pending).toBe(0);
  });
});

describe('conflict policy and races', () => {
  it('same clock time on both: the change the server accepted first wins, the same way on both terminals', async () => {
    const awsDir = await tmp('aws');
    const a = await terminal(await guest(awsDir), 'terminal-a');
    const b = await terminal(await guest(awsDir), 'terminal-b');
    await openAndSettle(a);
    await openAndSettle(b);
    // Same instant on both clocks: B syncs first for one key, A first for the other.
    await a.sync.set('tie', 'k1', 'from-a');
    await b.sync.set('tie', 'k1', 'from-b');
    await a.sync.set('tie', 'k2', 'from-a');
    await b.sync.set('tie', 'k2', 'from-b');
    for (const t of [a, b, a]) expect(await t.syncNow()).toMatchObject({ type: 'synced' });
    expect(await values(a, 'tie')).toEqual({ k1: 'from-a', k2: 'from-a' });
    expect(await values(b, 'tie')).toEqual({ k1: 'from-a', k2: 'from-a' });
  });

  it('a push that loses the race re-pulls, resolves and retries: no lost update', async () => {
    const awsDir = await tmp('aws');
    const b = await terminal(await guest(awsDir), 'terminal-b');
    let interfere = false;
    const a = await terminal(await guest(awsDir), 'terminal-a', {
      afterPull: async () => {
        if (!interfere) return;
        interfere = false;
        // Between A's pull and A's push, B writes the same key and another one.
        b.clock.advance(5_000);
        await b.sync.set('race', 'shared', 'b-later');
        await b.sync.set('race', 'onlyB', 'b');
        expect(await b.syncNow()).toMatchObject({ type: 'synced' });
      },
    });
    await openAndSettle(b);
    await b.sync.set('race', 'first', '1');
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    await openAndSettle(a);
    await b.sync.set('race', 'second', '2'); // moves the dataset's sync count, so A's next sync pulls
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    await a.sync.set('race', 'shared', 'a-earlier');
    await a.sync.set('race', 'onlyA', 'a');
    interfere = true;
    expect(await a.syncNow()).toMatchObject({ type: 'synced', conflicts: 1 });
    expect(a.events.filter((e) => e.type === 'race-lost')).toEqual([{ type: 'race-lost', dataset: 'race', round: 0 }]);
    expect(a.events.filter((e) => e.type === 'conflict')).toEqual([{ type: 'conflict', dataset: 'race', key: 'shared', resolution: 'remote', by: 'default' }]);
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    const expected = { first: '1', second: '2', shared: 'b-later', onlyA: 'a', onlyB: 'b' };
    expect(await values(a, 'race')).toEqual(expected);
    expect(await values(b, 'race')).toEqual(expected);
  });
});

describe('sync triggers, retries and limits', () => {
  it('syncs on open', async () => {
    const a = await terminal(await guest(await tmp('aws')), 'terminal-a');
    const opened = a.log.endOf('open');
    await a.sync.open(a.identityId);
    expect(await opened).toMatchObject({ type: 'synced' });
  });

  it('syncs a change 2 s after the last change (Clock-driven debounce)', async () => {
    const a = await terminal(await guest(await tmp('aws')), 'terminal-a');
    await openAndSettle(a);
    await a.sync.set('prefs', 'textSize', 'large');
    a.clock.advance(1_000);
    await a.sync.set('prefs', 'textSize', 'larger');
    a.clock.advance(1_999);
    expect(a.events.filter((e) => e.type === 'sync-start')).toHaveLength(1); // still waiting
    const changed = a.log.endOf('change');
    a.clock.advance(1);
    expect(await changed).toMatchObject({ type: 'synced', pushed: 1 });
    expect(a.events.filter((e) => e.type === 'sync-start' && e.reason === 'change')).toHaveLength(1);
  });

  it('throttling and 500s are retried with backoff through the injected sleep', async () => {
    const a = await terminal(await guest(await tmp('aws')), 'terminal-a');
    await openAndSettle(a);
    await a.sync.set('prefs', 'textSize', 'large');
    ld.failNext('DynamoDB.Query', { status: 500 });
    ld.failNext('DynamoDB.PutItem', { error: 'ProvisionedThroughputExceededException' });
    ld.failNext('DynamoDB.UpdateItem', { error: 'ThrottlingException' });
    const before = ld.counts();
    expect(await a.syncNow()).toMatchObject({ type: 'synced', pushed: 1 });
    const after = ld.counts();
    expect((after['DynamoDB.PutItem'] ?? 0) - (before['DynamoDB.PutItem'] ?? 0)).toBe(2);
    // The push of a new dataset: its slot of the dataset limit, begin, the usage reservation, end -- plus the retry.
    expect((after['DynamoDB.UpdateItem'] ?? 0) - (before['DynamoDB.UpdateItem'] ?? 0)).toBe(5);
    const retries = a.events.flatMap((e) => (e.type === 'retry' ? [[e.operation, e.reason]] : []));
    expect(retries).toEqual([
      ['Query', 'server'],
      ['UpdateItem', 'throttled'],
      ['PutItem', 'throttled'],
    ]);
    expect(a.sleeps).toEqual([100, 100, 100]); // full jitter: random 0.5 * base 200 ms
  });

  it('exhausted retries end the sync as retryable, and a later sync on the clock pushes the change', async () => {
    const a = await terminal(await guest(await tmp('aws')), 'terminal-a');
    await openAndSettle(a);
    await a.sync.set('prefs', 'textSize', 'huge');
    ld.failNext('DynamoDB.Query', { error: 'ThrottlingException', count: 3 });
    expect(await a.syncNow()).toMatchObject({ type: 'sync-failed', code: 'throttled', retryInMs: 5000 });
    const retried = a.log.endOf('retry');
    a.clock.advance(5_000);
    expect(await retried).toMatchObject({ type: 'synced', pushed: 1 });
  });

  it('a merged dataset over the record limit is not pushed and says so; the rest still syncs', async () => {
    const awsDir = await tmp('aws');
    const limits = { maxRecordsPerDataset: 3 };
    const a = await terminal(await guest(awsDir), 'terminal-a', { limits });
    const b = await terminal(await guest(awsDir), 'terminal-b', { limits });
    await openAndSettle(a);
    await openAndSettle(b);
    for (const key of ['r1', 'r2']) await a.sync.set('rooms', key, key);
    for (const key of ['r3', 'r4', 'r5']) await b.sync.set('rooms', key, key);
    await b.sync.set('prefs', 'textSize', 'small');
    await expect(b.sync.set('rooms', 'r6', 'r6')).rejects.toMatchObject({ code: 'sync_limit' });
    expect(await a.syncNow()).toMatchObject({ type: 'synced' });
    expect(await b.syncNow()).toMatchObject({ type: 'sync-failed', code: 'sync_limit' });
    expect(b.events).toContainEqual({ type: 'limit', dataset: 'rooms', detail: expect.stringContaining('"rooms" would hold 5 settings, more than the limit of 3') as unknown });
    expect(await pending(b)).toBe(3);
    expect(await a.syncNow()).toMatchObject({ type: 'synced' });
    expect(await values(a)).toEqual({ textSize: 'small' }); // the other dataset went through
    expect(await values(a, 'rooms')).toEqual({ r1: 'r1', r2: 'r2' });
  });
});

describe('shared and personal terminals', () => {
  it("shared: sign-out pushes pending changes with the leaving person's last credentials, then removes the cache file", async () => {
    const awsDir = await tmp('aws');
    const sharedProvider = await guest(awsDir);
    const shared = await terminal(sharedProvider, 'terminal-shared');
    await openAndSettle(shared);
    await shared.sync.set('prefs', 'textSize', 'large');
    expect((await readdir(shared.cacheDir)).filter((f) => f.startsWith('settings-'))).toHaveLength(1);
    // Sign-out closes the credentials gate first; the final flush still pushes with the leaving person's last credentials.
    sharedProvider.endGuest();
    await expect(sharedProvider.getCredentials()).rejects.toMatchObject({ code: 'signed_out' });
    shared.clock.set(Date.now());
    await shared.sync.close({ flush: true, purge: true });
    expect(shared.events).toContainEqual(expect.objectContaining({ type: 'synced', pushed: 1 }));
    expect(shared.events).toContainEqual({ type: 'closed', identityId: shared.identityId, purged: true, pendingLost: 0 });
    expect(await readdir(shared.cacheDir)).toEqual([]);

    const next = await terminal(await guest(awsDir), 'terminal-next');
    await openAndSettle(next);
    expect(next.sync.get('prefs', 'textSize')).toBe('large'); // flushed before the purge
  });

  it('after close nobody is open and reads are refused', async () => {
    const t = await terminal(await guest(await tmp('aws')), 'terminal-shared');
    await openAndSettle(t);
    await t.sync.close({ flush: true, purge: true });
    expect(t.sync.currentIdentity()).toBeNull();
    expect(() => t.sync.get('prefs', 'textSize')).toThrow(expect.objectContaining({ code: 'signed_out' }) as Error);
  });

  it('personal: close keeps the cache file, and the next open works offline from it', async () => {
    const personal = await terminal(await guest(await tmp('aws')), 'terminal-personal');
    await openAndSettle(personal);
    await personal.sync.set('prefs', 'theme', 'dark');
    await personal.sync.close({ flush: false, purge: false });
    expect((await readdir(personal.cacheDir)).filter((f) => f.startsWith('settings-'))).toHaveLength(1);
    ld.failNext('DynamoDB.Query', { reset: true, count: 3 });
    const failed = personal.log.endOf('open');
    await personal.sync.open(personal.identityId);
    expect(personal.sync.get('prefs', 'theme')).toBe('dark');
    expect(await failed).toMatchObject({ type: 'sync-failed', code: 'network' });
    expect(await pending(personal)).toBe(1);
  });
});
