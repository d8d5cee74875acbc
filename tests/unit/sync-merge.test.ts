/** The merge plan: a pure function, no server (the conflict policy itself is tested end to end in sync-engine). */
import { describe, expect, it } from 'vitest';
import { planMerge } from '../../main/sync/merge';
import type { CachedRecord } from '../../main/sync/cache';

const cached = (over: Partial<CachedRecord>): CachedRecord => ({ value: 'v', lastModified: 1000, deviceId: 'dev-a', version: 1, dirty: false, ...over });

describe('planMerge', () => {
  const remote = (key: string, over: Partial<CachedRecord> = {}) => {
    const r = cached(over);
    return { key, value: r.value, version: r.version, lastModified: r.lastModified, deviceId: r.deviceId };
  };

  it('takes a record new to this terminal', () => {
    expect(planMerge('prefs', {}, [remote('fresh', { version: 1, value: 'hello' })])).toEqual([
      { kind: 'take-remote', key: 'fresh', changed: true, record: cached({ version: 1, value: 'hello', remoteBytes: 'freshhello'.length }) },
    ]);
  });

  it('takes a newer remote version of a record not changed here', () => {
    const steps = planMerge('prefs', { stale: cached({ version: 1, value: 'old' }) }, [remote('stale', { version: 2, value: 'new' })]);
    expect(steps).toEqual([{ kind: 'take-remote', key: 'stale', changed: true, record: cached({ version: 2, value: 'new', remoteBytes: 'stalenew'.length }) }]);
  });

  it('leaves a record whose remote version did not move, changed here or not', () => {
    const local = { same: cached({ version: 2 }), pendingOnly: cached({ version: 3, dirty: true }) };
    expect(planMerge('prefs', local, [remote('same', { version: 2 }), remote('pendingOnly', { version: 3 })])).toEqual([]);
  });

  it('a record changed here whose remote version moved to another value is a conflict, with both sides', () => {
    const steps = planMerge('prefs', { mine: cached({ version: 1, dirty: true, value: 'mine' }) }, [remote('mine', { version: 2, value: 'theirs', deviceId: 'dev-b' })]);
    expect(steps).toMatchObject([{ kind: 'conflict', key: 'mine', local: { value: 'mine', version: 1 }, remote: { value: 'theirs', version: 2, deviceId: 'dev-b' } }]);
  });

  it('the same value on both sides is no conflict: the remote version is taken as pushed', () => {
    const steps = planMerge('prefs', { agreed: cached({ version: 1, dirty: true, value: 'same-value' }) }, [remote('agreed', { version: 2, value: 'same-value' })]);
    expect(steps).toMatchObject([{ kind: 'take-remote', key: 'agreed', changed: false, record: { dirty: false, version: 2 } }]);
  });

  it('a dirty record whose remote item is gone is pushed as new (version 0)', () => {
    expect(planMerge('prefs', { lost: cached({ version: 4, dirty: true }) }, [])).toEqual([{ kind: 'rebase', key: 'lost', version: 0 }]);
  });
});
