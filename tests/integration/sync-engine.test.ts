/**
 * Settings sync end to end: two sync engines ("terminals", separate cache folders) against the local
 * DynamoDB front (dynalite behind real SigV4 verification and the LeadingKeys policy), with guest
 * credentials from the real credentials provider and the local identity pool. Time is a ManualClock
 * per terminal; backoff sleeps are recorded, never waited.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsProvider } from '../../main/aws';
import { ManualClock } from '../../main/clock';
import { isScrubInError, type ScrubInError } from '../../main/errors';
import { createSettingsSync, mostRecentWins, type ConflictHandler, type RecordView, type SettingsChange, type SettingsSync, type SyncEvent } from '../../main/sync';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local-cognito/dynamodb/standalone';
import { guestProvider } from '../support/sync';

const T0 = Date.UTC(2026, 2, 2, 7, 0, 0);
let ld: LocalDynamoDb;
const providers: CredentialsProvider[] = [];
const engines: SettingsSync[] = [];

beforeAll(async () => {
  ld = await startLocalDynamoDb();
});
afterAll(async () => {
  await ld.stop();
});
afterEach(async () => {
  ld.clearFaults();
  for (const e of engines.splice(0)) await e.close({ flush: false });
  for (const p of providers.splice(0)) p.close();
});

const tmp = (name: string): Promise<string> => mkdtemp(join(tmpdir(), `scrubin-sync-${name}-`));

/** A guest session; providers sharing `awsDir` share the guest identity (the same person on two terminals). */
async function guest(awsDir: string): Promise<CredentialsProvider> {
  const provider = await guestProvider(ld, awsDir);
  providers.push(provider);
  return provider;
}

interface Terminal {
  sync: SettingsSync;
  clock: ManualClock;
  cacheDir: string;
  events: SyncEvent[];
  sleeps: number[];
  changes: SettingsChange[];
  conflicts: [RecordView, RecordView][];
  identityId: string;
  /** Resolves on the next event matching `pred` (registered before the action that causes it). */
  next(pred: (e: SyncEvent) => boolean): Promise<SyncEvent>;
}

async function terminal(
  provider: CredentialsProvider,
  deviceId: string,
  extra: { onConflict?: ConflictHandler; limits?: { maxRecordsPerDataset?: number }; afterPull?: (dataset: string) => Promise<void> } = {},
): Promise<Terminal> {
  const clock = new ManualClock(T0);
  const cacheDir = await tmp(deviceId);
  const events: SyncEvent[] = [];
  const sleeps: number[] = [];
  const changes: SettingsChange[] = [];
  const conflicts: [RecordView, RecordView][] = [];
  const waiters: { pred: (e: SyncEvent) => boolean; resolve: (e: SyncEvent) => void }[] = [];
  const next = (pred: (e: SyncEvent) => boolean): Promise<SyncEvent> => new Promise((resolve) => waiters.push({ pred, resolve }));
  const sync = createSettingsSync({
    cacheDir,
    credentials: () => provider.getCredentials(),
    region: ld.region,
    endpoint: ld.origin,
    clock,
    deviceId,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    retry: { maxAttempts: 3 },
    onEvent: (e) => {
      events.push(e);
      for (const w of waiters.splice(0)) {
        if (w.pred(e)) w.resolve(e);
        else waiters.push(w);
      }
    },
    onConflict: async (local, remote) => {
      conflicts.push([local, remote]);
      return extra.onConflict ? extra.onConflict(local, remote) : mostRecentWins(local, remote);
    },
    ...(extra.limits ? { limits: extra.limits } : {}),
    ...(extra.afterPull ? { afterPull: extra.afterPull } : {}),
  });
  engines.push(sync);
  sync.subscribe((c) => changes.push(c));
  const identityId = (await provider.getCredentials()).identityId;
  return { sync, clock, cacheDir, events, sleeps, changes, conflicts, identityId, next };
}

/** Opens the terminal and waits for its sign-in sync to settle. */
async function openAndSettle(t: Terminal): Promise<void> {
  await t.sync.open(t.identityId);
  await t.sync.synchronize();
}

const values = (t: Terminal, dataset = 'prefs'): Record<string, string> => t.sync.getAll(dataset);

describe('two terminals, one person', () => {
  it('edits while one terminal is offline merge deterministically on reconnect; nothing is lost; the hook decides conflicts', async () => {
    const awsDir = await tmp('aws');
    const a = await terminal(await guest(awsDir), 'terminal-a', {
      onConflict: (local, remote) => {
        if (local.key !== 'favouriteRooms') return mostRecentWins(local, remote);
        const union = [...new Set([...(remote.value ?? '').split(','), ...(local.value ?? '').split(',')].filter(Boolean))].sort();
        return { value: union.join(',') };
      },
    });
    const b = await terminal(await guest(awsDir), 'terminal-b', {
      onConflict: (local, remote) => {
        if (local.key !== 'favouriteRooms') return mostRecentWins(local, remote);
        const union = [...new Set([...(remote.value ?? '').split(','), ...(local.value ?? '').split(',')].filter(Boolean))].sort();
        return { value: union.join(',') };
      },
    });
    expect(b.identityId).toBe(a.identityId);

    await openAndSettle(a);
    await a.sync.set('prefs', 'textSize', 'large');
    await a.sync.set('prefs', 'favouriteRooms', 'OR-1');
    expect(await a.sync.synchronize()).toMatchObject({ pushed: 2 });

    await openAndSettle(b);
    expect(values(b)).toEqual({ textSize: 'large', favouriteRooms: 'OR-1' });
    expect(b.changes.filter((c) => c.kind === 'record' && c.source === 'remote')).toHaveLength(2);

    // B goes offline: every DynamoDB request fails at the socket.
    ld.failNext('DynamoDB.Query', { reset: true, count: 3 });
    b.clock.advance(10_000);
    await b.sync.set('prefs', 'textSize', 'small'); // older than A's edit below
    await b.sync.set('prefs', 'theme', 'dark'); // only B
    await b.sync.set('prefs', 'favouriteRooms', 'OR-1,OR-3'); // both edit: the hook merges
    const offline = await b.sync.synchronize().catch((e: unknown) => e);
    expect(isScrubInError(offline, 'network')).toBe(true);
    expect(b.sync.status()).toMatchObject({ pendingChanges: 3, lastError: { code: 'network', retryable: true } });
    expect(b.events.some((e) => e.type === 'sync-failed' && e.retryInMs === 5000)).toBe(true);
    expect(values(b)).toMatchObject({ textSize: 'small', theme: 'dark' }); // reads work offline

    // Meanwhile A (online) edits later.
    a.clock.advance(20_000);
    await a.sync.set('prefs', 'textSize', 'x-large');
    await a.sync.set('prefs', 'volume', '3');
    await a.sync.set('prefs', 'favouriteRooms', 'OR-1,OR-2');
    await a.sync.synchronize();

    // B reconnects.
    const synced = b.next((e) => e.type === 'synced' || e.type === 'sync-failed');
    b.sync.reconnected();
    expect(await synced).toMatchObject({ type: 'synced', pushed: 2, conflicts: 2 });
    await synced;
    await a.sync.synchronize();

    const expected = { textSize: 'x-large', favouriteRooms: 'OR-1,OR-2,OR-3', theme: 'dark', volume: '3' };
    expect(values(a)).toEqual(expected);
    expect(values(b)).toEqual(expected);
    expect(b.conflicts.map(([l, r]) => [l.key, l.value, r.value]).sort()).toEqual([
      ['favouriteRooms', 'OR-1,OR-3', 'OR-1,OR-2'],
      ['textSize', 'small', 'x-large'],
    ]);
    expect(b.events).toContainEqual({ type: 'conflict', dataset: 'prefs', key: 'textSize', resolution: 'remote', by: 'hook' });
    expect(b.events).toContainEqual({ type: 'conflict', dataset: 'prefs', key: 'favouriteRooms', resolution: 'merged', by: 'hook' });
    expect(a.sync.status().pendingChanges).toBe(0);
    expect(b.sync.status().pendingChanges).toBe(0);
  });
});

describe('conflict policy and races', () => {
  it('a tie on lastModified is broken by device id, the same way on both terminals', async () => {
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
    await a.sync.synchronize();
    await b.sync.synchronize();
    await a.sync.synchronize();
    expect(values(a, 'tie')).toEqual({ k1: 'from-a', k2: 'from-a' });
    expect(values(b, 'tie')).toEqual({ k1: 'from-a', k2: 'from-a' });
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
        await b.sync.synchronize();
      },
    });
    await openAndSettle(b);
    await b.sync.set('race', 'first', '1');
    await b.sync.synchronize();
    await openAndSettle(a);
    await b.sync.set('race', 'second', '2'); // moves the dataset's sync count, so A's next sync pulls
    await b.sync.synchronize();
    await a.sync.set('race', 'shared', 'a-earlier');
    await a.sync.set('race', 'onlyA', 'a');
    interfere = true;
    expect(await a.sync.synchronize()).toMatchObject({ conflicts: 1 });
    expect(a.events.filter((e) => e.type === 'race-lost')).toEqual([{ type: 'race-lost', dataset: 'race', round: 0 }]);
    expect(a.conflicts.map(([l, r]) => [l.key, l.value, r.value])).toEqual([['shared', 'a-earlier', 'b-later']]);
    await b.sync.synchronize();
    const expected = { first: '1', second: '2', shared: 'b-later', onlyA: 'a', onlyB: 'b' };
    expect(values(a, 'race')).toEqual(expected);
    expect(values(b, 'race')).toEqual(expected);
  });
});

describe('sync triggers, retries and limits', () => {
  it('syncs on open and on change after the debounce (Clock-driven)', async () => {
    const awsDir = await tmp('aws');
    const a = await terminal(await guest(awsDir), 'terminal-a');
    const opened = a.next((e) => e.type === 'synced');
    await a.sync.open(a.identityId);
    expect(await opened).toMatchObject({ type: 'synced' });
    expect(a.events).toContainEqual({ type: 'sync-start', identityId: a.identityId, reason: 'open' });

    await a.sync.set('prefs', 'textSize', 'large');
    a.clock.advance(1_000);
    await a.sync.set('prefs', 'textSize', 'larger');
    a.clock.advance(1_999);
    expect(a.events.filter((e) => e.type === 'sync-start')).toHaveLength(1); // still waiting
    const changed = a.next((e) => e.type === 'synced');
    a.clock.advance(1);
    expect(await changed).toMatchObject({ pushed: 1 });
    expect(a.events.filter((e) => e.type === 'sync-start' && e.reason === 'change')).toHaveLength(1);
  });

  it('throttling and 500s are retried with backoff through the injected sleep', async () => {
    const awsDir = await tmp('aws');
    const a = await terminal(await guest(awsDir), 'terminal-a');
    await openAndSettle(a);
    await a.sync.set('prefs', 'textSize', 'large');
    ld.failNext('DynamoDB.Query', { status: 500 });
    ld.failNext('DynamoDB.PutItem', { error: 'ProvisionedThroughputExceededException' });
    ld.failNext('DynamoDB.UpdateItem', { error: 'ThrottlingException' });
    const before = ld.counts();
    expect(await a.sync.synchronize()).toMatchObject({ pushed: 1 });
    const after = ld.counts();
    expect((after['DynamoDB.PutItem'] ?? 0) - (before['DynamoDB.PutItem'] ?? 0)).toBe(2);
    expect((after['DynamoDB.UpdateItem'] ?? 0) - (before['DynamoDB.UpdateItem'] ?? 0)).toBe(2);
    const retries = a.events.flatMap((e) => (e.type === 'retry' ? [[e.operation, e.reason]] : []));
    expect(retries).toEqual([
      ['Query', 'server'],
      ['PutItem', 'throttled'],
      ['UpdateItem', 'throttled'],
    ]);
    expect(a.sleeps).toEqual([100, 100, 100]); // full jitter: random 0.5 * base 200 ms
    // Exhausted retries surface as a retryable error and schedule a later sync on the clock.
    await a.sync.set('prefs', 'textSize', 'huge');
    ld.failNext('DynamoDB.Query', { error: 'ThrottlingException', count: 3 });
    const failed = await a.sync.synchronize().catch((e: unknown) => e as ScrubInError);
    expect(failed).toMatchObject({ code: 'throttled', retryable: true });
    const retried = a.next((e) => e.type === 'synced');
    a.clock.advance(5_000);
    expect(await retried).toMatchObject({ pushed: 1 });
  });

  it('a merged dataset over the record limit is not pushed and says so; the rest still syncs', async () => {
    const awsDir = await tmp('aws');
    const limits = { maxRecordsPerDataset: 3 };
    const a = await terminal(await guest(awsDir), 'terminal-a', { limits });
    const b = await terminal(await guest(awsDir), 'terminal-b', { limits });
    await openAndSettle(a);
    await openAndSettle(b);
    await a.sync.setMany('rooms', { r1: '1', r2: '2' });
    await b.sync.setMany('rooms', { r3: '3', r4: '4' });
    await b.sync.set('prefs', 'textSize', 'small');
    await expect(b.sync.setMany('rooms', { r5: '5', r6: '6' })).rejects.toMatchObject({ code: 'sync_limit' });
    await a.sync.synchronize();
    const error = (await b.sync.synchronize().then(
      () => undefined,
      (e: unknown) => e,
    )) as ScrubInError;
    expect(error).toMatchObject({ code: 'sync_limit' });
    expect(error.detail).toContain('"rooms" would hold 4 settings, more than the limit of 3');
    expect(b.sync.status().pendingChanges).toBe(2);
    await a.sync.synchronize();
    expect(values(a)).toEqual({ textSize: 'small' }); // the other dataset went through
    expect(values(a, 'rooms')).toEqual({ r1: '1', r2: '2' });
  });
});

describe('shared and personal terminals', () => {
  it('shared: sign-out (close + purge) leaves no cache file; personal: the cache stays and works offline', async () => {
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
    expect(await readdir(shared.cacheDir)).toEqual([]);
    expect(shared.sync.currentIdentity()).toBeNull();
    expect(() => shared.sync.get('prefs', 'textSize')).toThrow(expect.objectContaining({ code: 'signed_out' }) as Error);
    expect(shared.events).toContainEqual({ type: 'closed', identityId: shared.identityId, purged: true, pendingLost: 0 });

    const personal = await terminal(await guest(awsDir), 'terminal-personal');
    await openAndSettle(personal);
    expect(personal.sync.get('prefs', 'textSize')).toBe('large'); // flushed before the purge
    await personal.sync.set('prefs', 'theme', 'dark');
    await personal.sync.close({ flush: false });
    expect((await readdir(personal.cacheDir)).filter((f) => f.startsWith('settings-'))).toHaveLength(1);
    ld.failNext('DynamoDB.Query', { reset: true, count: 3 });
    const failed = personal.next((e) => e.type === 'sync-failed');
    await personal.sync.open(personal.identityId);
    expect(personal.sync.getAll('prefs')).toEqual({ textSize: 'large', theme: 'dark' });
    expect(await failed).toMatchObject({ code: 'network' });
    expect(personal.sync.status().pendingChanges).toBe(1);
    await personal.sync.purge(personal.identityId);
    expect(await readdir(personal.cacheDir)).toEqual([]);
  });
});
