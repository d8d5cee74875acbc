/**
 * The settings engine through the terminal's port (open, get, set, subscribe, reconnected, close, purgeLeftovers)
 * with a DynamoDB stand-in that is offline: validation, limits, notifications, the cache file and the retry timer.
 */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { createSettingsSync, type SettingsChange } from '../../main/sync';
import { saveCacheFile, type CachedRecord, type CacheFile } from '../../main/sync/cache';
import { SyncEventLog, pendingChanges, readCache } from '../support/sync';

const ID = 'us-east-1:0f0e0d0c-0b0a-4909-8807-060504030201';
const stringContaining = (text: string): unknown => expect.stringContaining(text);
const engines: { close(options: { flush: boolean; purge: boolean }): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close({ flush: false, purge: true });
});

/** An engine whose every DynamoDB request fails at the socket; `cache` is the person's cache file before open. */
async function offlineEngine(cache?: CacheFile) {
  const clock = new ManualClock();
  const log = new SyncEventLog();
  const sent: unknown[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'scrubin-limits-'));
  if (cache) await saveCacheFile(dir, cache);
  const sync = createSettingsSync({
    cacheDir: dir,
    region: 'us-east-1',
    clock,
    deviceId: 'dev-1',
    sleep: () => Promise.resolve(),
    credentials: () => Promise.resolve({ accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't', expiration: clock.now() + 3600_000, identityId: ID }),
    createClient: () => ({
      send: (command: unknown) => {
        sent.push(command);
        return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
      },
    }),
    onEvent: log.record,
  });
  engines.push(sync);
  return { sync, clock, log, sent, dir };
}

/** An offline engine, opened for ID, after its sign-in sync has failed. */
async function opened(cache?: CacheFile) {
  const engine = await offlineEngine(cache);
  const first = engine.log.endOf('open');
  await engine.sync.open(ID);
  const end = await first;
  return { ...engine, first: end };
}

describe('settings without a network', () => {
  it('refuses reads before anyone is signed in', async () => {
    const { sync } = await offlineEngine();
    expect(() => sync.get('prefs', 'textSize')).toThrow(expect.objectContaining({ code: 'signed_out' }) as Error);
  });

  it('a value set offline is read back at once', async () => {
    const { sync } = await opened();
    await sync.set('prefs', 'textSize', 'large');
    expect(sync.get('prefs', 'textSize')).toBe('large');
    expect(sync.get('prefs', 'favouriteRoom')).toBeUndefined();
  });

  it('each change notifies subscribers once; setting the same value again does not', async () => {
    const { sync } = await offlineEngine();
    const changes: SettingsChange[] = [];
    sync.subscribe((c) => changes.push(c));
    await sync.open(ID);
    await sync.set('prefs', 'textSize', 'large');
    await sync.set('prefs', 'favouriteRoom', 'OR-3');
    await sync.set('prefs', 'textSize', 'large'); // unchanged: no event
    await sync.set('prefs', 'favouriteRoom', 'OR-5');
    expect(changes).toEqual([
      { kind: 'reset', identityId: ID },
      { kind: 'record', identityId: ID, dataset: 'prefs', key: 'textSize', value: 'large', source: 'local' },
      { kind: 'record', identityId: ID, dataset: 'prefs', key: 'favouriteRoom', value: 'OR-3', source: 'local' },
      { kind: 'record', identityId: ID, dataset: 'prefs', key: 'favouriteRoom', value: 'OR-5', source: 'local' },
    ]);
  });

  it('changes are kept in the cache file as not yet pushed, and the file stays after close', async () => {
    const { sync, dir } = await opened();
    await sync.set('prefs', 'textSize', 'large');
    await sync.set('prefs', 'favouriteRoom', 'OR-3');
    expect(pendingChanges(await readCache(dir, ID))).toBe(2);
    await sync.close({ flush: false, purge: false });
    expect(await readdir(dir)).toHaveLength(1);
    expect(pendingChanges(await readCache(dir, ID))).toBe(2);
  });

  it('each request is retried (backoff through the injected sleep) before the sync fails as retryable', async () => {
    const { log, first } = await opened();
    expect(first).toMatchObject({ type: 'sync-failed', code: 'network', retryInMs: 5000 });
    const retries = log.all.flatMap((e) => (e.type === 'retry' ? [[e.operation, e.attempt, e.reason]] : []));
    expect(retries).toEqual([1, 2, 3, 4].map((attempt) => ['Query', attempt, 'network']));
  });

  it('a failed sync is tried again on the clock, the delay doubling each time', async () => {
    const { clock, log, first } = await opened();
    expect(first).toMatchObject({ retryInMs: 5000 });
    const second = log.endOf('retry');
    clock.advance(5000);
    expect(await second).toMatchObject({ type: 'sync-failed', retryInMs: 10_000 });
    const third = log.endOf('retry');
    clock.advance(10_000);
    expect(await third).toMatchObject({ type: 'sync-failed', retryInMs: 20_000 });
  });

  it('reconnecting syncs at once and resets the retry delay', async () => {
    const { sync, clock, log } = await opened();
    const second = log.endOf('retry');
    clock.advance(5000);
    expect(await second).toMatchObject({ retryInMs: 10_000 });
    const reconnect = log.endOf('reconnect');
    sync.reconnected();
    expect(await reconnect).toMatchObject({ type: 'sync-failed', retryInMs: 5000 });
  });

  it('purgeLeftovers closes without pushing and removes every settings cache in the folder', async () => {
    const { sync, sent, dir } = await opened();
    await writeFile(join(dir, 'settings-us-east-1_00000000-0000-4000-8000-000000000001.json.abc.tmp'), '{}'); // left by a crash
    await sync.set('prefs', 'textSize', 'large');
    const requests = sent.length;
    await sync.purgeLeftovers();
    expect(sync.currentIdentity()).toBeNull();
    expect(sent).toHaveLength(requests);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('limits', () => {
  it('refuses bad dataset names, keys and values', async () => {
    const { sync } = await opened();
    await expect(sync.set('bad#name', 'k', 'v')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(sync.set('prefs', '', 'v')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(sync.set('prefs', 'k\n', 'v')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(sync.set('prefs', 'k', 42 as unknown as string)).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a value over 350,000 bytes with a plain message', async () => {
    const { sync } = await opened();
    await expect(sync.set('prefs', 'k', 'x'.repeat(350_001))).rejects.toMatchObject({ code: 'sync_limit', userMessage: 'This setting is too large to be saved.' });
    expect(sync.get('prefs', 'k')).toBeUndefined();
  });

  it('refuses a 1,025th setting in a dataset; changing one of the 1,024 is fine', async () => {
    const record: CachedRecord = { value: 'v', lastModified: 1, deviceId: 'dev-0', version: 1, dirty: false };
    const records = Object.fromEntries(Array.from({ length: 1024 }, (_, i) => [`k${i}`, record]));
    const { sync } = await opened({ format: 1, identityId: ID, datasets: { big: { lastSyncCount: 1, records } } });
    await expect(sync.set('big', 'one-more', 'v')).rejects.toMatchObject({ code: 'sync_limit', detail: stringContaining('1025 settings, more than the limit of 1024') });
    await sync.set('big', 'k0', 'changed');
    expect(sync.get('big', 'k0')).toBe('changed');
  });

  it('refuses a change that would take a dataset over 1 MB', async () => {
    const { sync } = await opened();
    const value = 'x'.repeat(300_000);
    for (const key of ['a', 'b', 'c']) await sync.set('heavy', key, value);
    await expect(sync.set('heavy', 'd', value)).rejects.toMatchObject({ code: 'sync_limit', detail: stringContaining('more than the limit of 1048576 bytes') });
    expect(sync.get('heavy', 'd')).toBeUndefined();
  });

  it('refuses a 21st dataset', async () => {
    const { sync } = await opened();
    for (let i = 0; i < 20; i++) await sync.set(`ds${i}`, 'k', 'v');
    await expect(sync.set('one-too-many', 'k', 'v')).rejects.toMatchObject({ code: 'sync_limit', detail: stringContaining('at most 20 datasets') });
    expect(sync.get('one-too-many', 'k')).toBeUndefined();
  });
});
