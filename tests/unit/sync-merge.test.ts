import { describe, expect, it } from 'vitest';
import { mostRecentWins, planMerge, type RecordView } from '../../main/sync/merge';
import type { CachedRecord } from '../../main/sync/cache';

const view = (over: Partial<RecordView>): RecordView => ({ dataset: 'prefs', key: 'k', value: 'v', lastModified: 1000, deviceId: 'dev-a', version: 1, ...over });
const cached = (over: Partial<CachedRecord>): CachedRecord => ({ value: 'v', lastModified: 1000, deviceId: 'dev-a', version: 1, dirty: false, ...over });

describe('mostRecentWins', () => {
  it('the later change wins, from either side', () => {
    expect(mostRecentWins(view({ lastModified: 2000 }), view({ lastModified: 1000 }))).toBe('local');
    expect(mostRecentWins(view({ lastModified: 1000 }), view({ lastModified: 2000 }))).toBe('remote');
  });

  it('ties are broken the same way whichever side is local (device id, then removal, then value)', () => {
    const a = view({ deviceId: 'dev-a', value: 'x' });
    const b = view({ deviceId: 'dev-b', value: 'y' });
    expect(mostRecentWins(a, b)).toBe('local');
    expect(mostRecentWins(b, a)).toBe('remote');
    const removed = view({ value: null });
    const kept = view({ value: 'z' });
    expect(mostRecentWins(removed, kept)).toBe('local');
    expect(mostRecentWins(kept, removed)).toBe('remote');
    expect(mostRecentWins(view({ value: 'a' }), view({ value: 'b' }))).toBe('local');
    expect(mostRecentWins(view({ value: 'b' }), view({ value: 'a' }))).toBe('remote');
  });
});

describe('planMerge', () => {
  const remote = (key: string, over: Partial<CachedRecord> = {}) => {
    const r = cached(over);
    return { key, value: r.value, version: r.version, lastModified: r.lastModified, deviceId: r.deviceId };
  };

  it('takes new and newer remote records, leaves unchanged ones, and reports conflicts only for dirty records that moved remotely', () => {
    const local: Record<string, CachedRecord> = {
      same: cached({ version: 2 }),
      stale: cached({ version: 1, value: 'old' }),
      mine: cached({ version: 1, dirty: true, value: 'mine' }),
      agreed: cached({ version: 1, dirty: true, value: 'same-value' }),
      pendingOnly: cached({ version: 3, dirty: true }),
    };
    const steps = planMerge('prefs', local, [
      remote('same', { version: 2 }),
      remote('stale', { version: 2, value: 'new' }),
      remote('mine', { version: 2, value: 'theirs', deviceId: 'dev-b' }),
      remote('agreed', { version: 2, value: 'same-value' }),
      remote('fresh', { version: 1, value: 'hello' }),
      remote('pendingOnly', { version: 3 }),
    ]);
    expect(steps.map((s) => [s.kind, s.key])).toEqual([
      ['take-remote', 'stale'],
      ['conflict', 'mine'],
      ['take-remote', 'agreed'],
      ['take-remote', 'fresh'],
    ]);
    const conflict = steps[1];
    expect(conflict).toMatchObject({ kind: 'conflict', local: { value: 'mine', version: 1 }, remote: { value: 'theirs', version: 2, deviceId: 'dev-b' } });
    expect(steps[2]).toMatchObject({ changed: false, record: { dirty: false, version: 2 } });
  });

  it('a dirty record whose remote item is gone is pushed as new (version 0)', () => {
    expect(planMerge('prefs', { lost: cached({ version: 4, dirty: true }) }, [])).toEqual([{ kind: 'rebase', key: 'lost', version: 0 }]);
  });
});
