/**
 * One synchronise pass of an open session against DynamoDB, dataset by dataset in name order: pull
 * (only datasets whose remote sync count moved), merge (conflicts decided by server order or the
 * `onConflict` hook), push with conditional writes (record versions) and bump the dataset's sync
 * count. A push that loses a race re-pulls and retries, at most MAX_RACE_RETRIES times, so no update is
 * lost. Every wait is followed by a check that the session still runs; the cache file is saved as it goes.
 */
import type { Clock } from '../clock';
import { ScrubInError, isScrubInError } from '../errors';
import type { CachedDataset, CachedRecord } from './cache';
import { checkUsage, checkValue, usageOf, type SyncLimits } from './limits';
import { planMerge, serverOrder, type ConflictChoice, type ConflictHandler, type RecordView } from './merge';
import type { Session } from './session';
import type { RemoteRecord } from './table';
import type { SettingsChange, SyncEvent, SyncResult } from './types';

/** Re-pull-and-retry rounds after losing a conditional write race. */
export const MAX_RACE_RETRIES = 3;

export interface PassContext {
  clock: Clock;
  deviceId: string;
  limits: SyncLimits;
  emit: (event: SyncEvent) => void;
  notify: (change: SettingsChange) => void;
  onConflict?: ConflictHandler | undefined;
  /** Test seam: runs after each pull, before conflicts are resolved and changes pushed. */
  afterPull?: ((dataset: string) => Promise<void>) | undefined;
}

export async function synchronise(s: Session, ctx: PassContext): Promise<SyncResult> {
  await s.credentials();
  s.alive();
  const metas = await s.remote.listDatasets(s.identityId);
  s.alive();
  const names = [...new Set([...Object.keys(s.file.datasets), ...metas.keys()])].sort();
  const result: SyncResult = { pulled: 0, pushed: 0, conflicts: 0 };
  // A dataset over a limit is left as it is; the others still sync, then the pass reports the limit.
  let limitError: ScrubInError | undefined;
  for (const name of names) {
    try {
      await syncDataset(s, ctx, name, metas.get(name), result);
    } catch (error) {
      if (isScrubInError(error, 'sync_limit')) {
        limitError ??= error;
        continue;
      }
      throw error;
    }
  }
  if (limitError) throw limitError;
  return result;
}

async function syncDataset(s: Session, ctx: PassContext, name: string, listedCount: number | undefined, result: SyncResult): Promise<void> {
  for (let round = 0; round <= MAX_RACE_RETRIES; round++) {
    let count = listedCount;
    if (round > 0) {
      count = await s.remote.datasetSyncCount(s.identityId, name);
      s.alive();
    }
    const known = s.file.datasets[name];
    // After a lost race always pull: the winner may not have bumped the dataset's count yet.
    const mustPull = round > 0 || (count !== undefined && (!known || count !== known.lastSyncCount));
    if (mustPull) {
      const remote = await s.remote.pullRecords(s.identityId, name);
      s.alive();
      if (ctx.afterPull) {
        await ctx.afterPull(name);
        s.alive();
      }
      await mergeInto(s, ctx, name, remote, result);
    }
    const ds = s.file.datasets[name];
    if (!ds) return;
    if ((await push(s, ctx, name, ds, { base: count ?? 0, pulled: mustPull, round }, result)) === 'done') return;
  }
  throw new ScrubInError('sync_conflict', {
    detail: `settings sync: dataset "${name}" kept changing on another terminal; gave up after ${MAX_RACE_RETRIES + 1} attempts`,
  });
}

/**
 * Pushes the dataset's changed records (conditional writes), then bumps its sync count. `base` is the
 * remote count this terminal has seen everything up to. 'lost' when another terminal won a write race.
 */
async function push(
  s: Session,
  ctx: PassContext,
  name: string,
  ds: CachedDataset,
  at: { base: number; pulled: boolean; round: number },
  result: SyncResult,
): Promise<'done' | 'lost'> {
  const dirty = Object.entries(ds.records)
    .filter(([, r]) => r.dirty)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (dirty.length === 0) {
    if (ds.lastSyncCount !== at.base || at.pulled) {
      ds.lastSyncCount = at.base;
      await s.save();
    }
    return 'done';
  }
  try {
    checkUsage(name, usageOf(Object.entries(ds.records)), ctx.limits);
  } catch (error) {
    ctx.emit({ type: 'limit', dataset: name, detail: (error as ScrubInError).detail ?? '' });
    if (at.pulled) await s.save();
    throw error;
  }
  let lost = false;
  let pushedHere = 0;
  for (const [key, rec] of dirty) {
    const sent = { ...rec };
    const ok = await s.remote.putRecord(s.identityId, name, key, sent, sent.version);
    s.alive();
    if (!ok) {
      lost = true;
      ctx.emit({ type: 'race-lost', dataset: name, round: at.round });
      break;
    }
    pushedHere++;
    result.pushed++;
    const now = ds.records[key];
    if (now) {
      const same = now.value === sent.value && now.lastModified === sent.lastModified;
      ds.records[key] = { ...now, version: sent.version + 1, dirty: same ? false : now.dirty };
    }
  }
  if (pushedHere > 0) {
    const newCount = await s.remote.bumpDataset(s.identityId, name);
    s.alive();
    // Everything up to `base` was seen; our bump is the only one in between iff newCount = base + 1.
    if (!lost) ds.lastSyncCount = newCount === at.base + 1 ? newCount : at.base;
  }
  await s.save();
  return lost ? 'lost' : 'done';
}

/** Applies the pulled records to the cache, resolving conflicts; changes made here meanwhile are kept. */
async function mergeInto(s: Session, ctx: PassContext, name: string, remote: RemoteRecord[], result: SyncResult): Promise<void> {
  const ds: CachedDataset = (s.file.datasets[name] ??= { lastSyncCount: 0, records: {} });
  const before: Record<string, CachedRecord | undefined> = { ...ds.records };
  const unchanged = (key: string): boolean => (Object.hasOwn(ds.records, key) ? ds.records[key] : undefined) === before[key];
  const visible = (key: string, value: string | null, old: string | null | undefined, overridden = false): void => {
    if ((old ?? null) === value) return;
    result.pulled++;
    ctx.notify({ kind: 'record', identityId: s.identityId, dataset: name, key, value, source: 'remote', ...(overridden ? { overridden: true } : {}) });
  };
  for (const step of planMerge(name, ds.records, remote)) {
    if (step.kind === 'take-remote') {
      if (!unchanged(step.key)) continue;
      const old = before[step.key]?.value;
      ds.records[step.key] = step.record;
      visible(step.key, step.record.value, old);
    } else if (step.kind === 'rebase') {
      const rec = ds.records[step.key];
      if (rec && unchanged(step.key)) ds.records[step.key] = { ...rec, version: step.version };
    } else {
      result.conflicts++;
      const { choice, by } = await resolveConflict(ctx, step.local, step.remote);
      s.alive();
      // A change made here while the hook ran is newer than both: leave it for the next round.
      if (!unchanged(step.key)) continue;
      const local = before[step.key];
      if (!local) continue;
      const resolution = choice === 'local' || choice === 'remote' ? choice : 'merged';
      ctx.emit({ type: 'conflict', dataset: name, key: step.key, resolution, by });
      if (choice === 'remote') {
        const { value, lastModified, deviceId, version } = step.remote;
        ds.records[step.key] = { value, lastModified, deviceId, version, dirty: false };
        // The person's own change was replaced by one made elsewhere: the UI tells them.
        visible(step.key, value, local.value, true);
      } else if (choice === 'local') {
        ds.records[step.key] = { ...local, version: step.remote.version, dirty: true };
      } else {
        ds.records[step.key] = {
          value: choice.value,
          lastModified: Math.max(ctx.clock.now(), Math.max(local.lastModified, step.remote.lastModified) + 1),
          deviceId: ctx.deviceId,
          version: step.remote.version,
          dirty: true,
        };
        visible(step.key, choice.value, local.value);
      }
    }
  }
}

/** The hook's answer, checked like input (a failing or invalid hook falls back to the default policy). */
async function resolveConflict(ctx: PassContext, local: RecordView, remote: RecordView): Promise<{ choice: ConflictChoice; by: 'hook' | 'default' }> {
  if (ctx.onConflict) {
    try {
      const choice: unknown = await ctx.onConflict({ ...local }, { ...remote });
      if (choice === 'local' || choice === 'remote') return { choice, by: 'hook' };
      const value: unknown = typeof choice === 'object' && choice !== null ? (choice as { value?: unknown }).value : undefined;
      if (value === null) return { choice: { value: null }, by: 'hook' };
      if (typeof value === 'string') return { choice: { value: checkValue(value, ctx.limits) }, by: 'hook' };
    } catch {
      // fall through to the default policy
    }
    ctx.emit({ type: 'conflict-hook-failed', dataset: local.dataset, key: local.key });
  }
  return { choice: serverOrder(), by: 'default' };
}
