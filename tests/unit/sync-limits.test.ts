/** The local API: validation, limits and notifications, with a DynamoDB stand-in that is offline. */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const stringContaining = (text: string): unknown => expect.stringContaining(text);
import { ManualClock } from '../../main/clock';
import { createSettingsSync, type SettingsChange, type SyncEvent } from '../../main/sync';

const ID = 'us-east-1:0f0e0d0c-0b0a-4909-8807-060504030201';

async function offlineEngine() {
  const clock = new ManualClock();
  const events: SyncEvent[] = [];
  const sent: unknown[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'scrubin-limits-'));
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
    onEvent: (e) => events.push(e),
  });
  return { sync, clock, events, sent, dir };
}

describe('settings API without a network', () => {
  it('get/set/remove work offline, notify subscribers, persist, and the failed sync is retried later', async () => {
    const { sync, events, dir, clock } = await offlineEngine();
    const changes: SettingsChange[] = [];
    sync.subscribe((c) => changes.push(c));
    expect(() => sync.get('prefs', 'textSize')).toThrow(expect.objectContaining({ code: 'signed_out' }) as Error);
    await sync.open(ID);
    await sync.set('prefs', 'textSize', 'large');
    await sync.set('prefs', 'favouriteRoom', 'OR-3');
    await sync.set('prefs', 'textSize', 'large'); // unchanged: no event
    await sync.remove('prefs', 'favouriteRoom');
    expect(sync.get('prefs', 'textSize')).toBe('large');
    expect(sync.get('prefs', 'favouriteRoom')).toBeUndefined();
    expect(sync.getAll('prefs')).toEqual({ textSize: 'large' });
    expect(changes).toEqual([
      { kind: 'reset', identityId: ID },
      { kind: 'record', identityId: ID, dataset: 'prefs', key: 'textSize', value: 'large', source: 'local' },
      { kind: 'record', identityId: ID, dataset: 'prefs', key: 'favouriteRoom', value: 'OR-3', source: 'local' },
      { kind: 'record', identityId: ID, dataset: 'prefs', key: 'favouriteRoom', value: null, source: 'local' },
    ]);
    await expect(sync.synchronize()).rejects.toMatchObject({ code: 'network', retryable: true });
    expect(sync.status()).toMatchObject({ identityId: ID, pendingChanges: 2, lastError: { code: 'network' } });
    expect(events.filter((e) => e.type === 'retry').length).toBeGreaterThan(0);
    // Each failure schedules the next attempt on the clock, backing off; reconnecting resets it.
    await expect(sync.synchronize()).rejects.toMatchObject({ code: 'network' });
    const delays = events.flatMap((e) => (e.type === 'sync-failed' ? [e.retryInMs] : []));
    expect(delays.slice(-2)).toEqual([delays.at(-2), (delays.at(-2) ?? 0) * 2]);
    expect(clock.pendingTimers()).toBeGreaterThan(0);
    sync.reconnected();
    await expect(sync.synchronize()).rejects.toMatchObject({ code: 'network' });
    expect(events.filter((e) => e.type === 'sync-start' && e.reason === 'reconnect')).toHaveLength(1);
    await sync.close({ flush: false });
    expect((await readdir(dir)).length).toBe(1);
  });

  it('enforces names, value size, 1,024 records, 1 MB and 20 datasets with clear errors', async () => {
    const { sync } = await offlineEngine();
    await sync.open(ID);
    await expect(sync.set('bad#name', 'k', 'v')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(sync.set('prefs', '', 'v')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(sync.set('prefs', 'k\n', 'v')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(sync.set('prefs', 'k', 42 as unknown as string)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(sync.set('prefs', 'k', 'x'.repeat(350_001))).rejects.toMatchObject({ code: 'sync_limit', userMessage: 'This setting is too large to be saved.' });

    const many: Record<string, string> = {};
    for (let i = 0; i < 1024; i++) many[`k${i}`] = 'v';
    await sync.setMany('big', many);
    await expect(sync.set('big', 'one-more', 'v')).rejects.toMatchObject({ code: 'sync_limit', detail: stringContaining('1025 settings, more than the limit of 1024') });
    await sync.set('big', 'k0', 'changed'); // changing an existing record is fine
    expect(sync.getAll('big')).toHaveProperty('k0', 'changed');

    const value = 'x'.repeat(300_000);
    await sync.setMany('heavy', { a: value, b: value, c: value });
    await expect(sync.set('heavy', 'd', value)).rejects.toMatchObject({ code: 'sync_limit', detail: stringContaining('more than the limit of 1048576 bytes') });
    expect(sync.get('heavy', 'd')).toBeUndefined();

    for (let i = sync.datasets().length; i < 20; i++) await sync.set(`ds${i}`, 'k', 'v');
    expect(sync.datasets()).toHaveLength(20);
    await expect(sync.set('one-too-many', 'k', 'v')).rejects.toMatchObject({ code: 'sync_limit', detail: stringContaining('at most 20 datasets') });
    await sync.close({ flush: false, purge: true });
  });
});
