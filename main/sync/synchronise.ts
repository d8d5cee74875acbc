/**
 * One synchronise pass of an open session against DynamoDB, dataset by dataset in name order: pull
 * (datasets whose sync count moved, or with a push under way), merge (conflicts decided by server order
 * or the `onConflict` hook), push with conditional writes (record versions). A push is framed so that
 * whatever reaches the server becomes visible to every terminal after any single failure: its token
 * joins the dataset's `writers` before the first record write and leaves it (with the sync count moved)
 * after the last; while a token is there, every terminal re-reads the dataset. Usage is reserved on the
 * dataset item before a record grows it, and a dataset's slot on the identity item before it is
 * created, both with conditional writes, so the limits hold across terminals. A push that loses a race
 * re-pulls and retries, at most MAX_RACE_RETRIES times. Every wait is followed by a check that the
 * session still runs; the cache file is saved as it goes.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { ScrubInError, isScrubInError } from '../errors';
import type { CachedDataset, CachedRecord } from './cache';
import { checkGrowth, checkValue, recordBytes, usageDelta, usageOf, type DatasetUsage, type SyncLimits } from './limits';
import { planMerge, serverOrder, type ConflictChoice, type ConflictHandler, type RecordView } from './merge';
import type { Session } from './session';
import type { DatasetMeta, RemoteRecord } from './table';
import type { SettingsChange, SyncEvent, SyncResult } from './types';

/** Re-pull-and-retry rounds after losing a conditional write race. */
export const MAX_RACE_RETRIES = 3;
/**
 * A push begun this long ago (by its writer's clock, read from its token) and never ended was abandoned (its
 * terminal crashed or signed out offline): whichever terminal sees it ends it. Requests time out within seconds.
 */
export const STALE_WRITER_MS = 10 * 60_000;

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
      await syncDataset(s, ctx, name, metas, result);
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

async function syncDataset(s: Session, ctx: PassContext, name: string, metas: ReadonlyMap<string, DatasetMeta>, result: SyncResult): Promise<void> {
  let meta = metas.get(name);
  await endUnfinished(s, ctx, name, meta);
  if (s.file.datasets[name]?.deleting) {
    await deleteRemote(s, ctx, name, meta);
    meta = undefined;
  } else if (!meta) {
    forgetDeletedElsewhere(s, ctx, name, result);
  }
  for (let round = 0; round <= MAX_RACE_RETRIES; round++) {
    if (round > 0) {
      meta = await s.remote.getDataset(s.identityId, name);
      s.alive();
    }
    const known = s.file.datasets[name];
    const busy = (meta?.writers.length ?? 0) > 0;
    // After a lost race always pull: the winner's push may not have ended yet.
    const mustPull = round > 0 || (meta !== undefined && (!known || busy || meta.usage === undefined || meta.syncCount !== known.lastSyncCount));
    if (mustPull) {
      const remote = await s.remote.pullRecords(s.identityId, name);
      s.alive();
      if (ctx.afterPull) {
        await ctx.afterPull(name);
        s.alive();
      }
      await mergeInto(s, ctx, name, remote, result);
      if (meta && !busy) await repairUsage(s, name, meta, remote);
    }
    const ds = s.file.datasets[name];
    if (!ds) return;
    const at = { meta, pulled: mustPull, round, listed: [...metas.keys()] };
    if ((await push(s, ctx, name, ds, at, result)) === 'done') return;
  }
  throw new ScrubInError('sync_conflict', {
    detail: `settings sync: dataset "${name}" kept changing on another terminal; gave up after ${MAX_RACE_RETRIES + 1} attempts`,
  });
}

/** Ends this session's push whose end was not confirmed, and pushes other terminals abandoned long ago. */
async function endUnfinished(s: Session, ctx: PassContext, name: string, meta: DatasetMeta | undefined): Promise<void> {
  const mine = s.unfinished.get(name);
  const stale = (meta?.writers ?? []).filter((token) => token !== mine && !(ctx.clock.now() - Number(token.split(':')[0]) <= STALE_WRITER_MS));
  for (const token of mine === undefined ? stale : [mine, ...stale]) {
    await s.remote.endWrite(s.identityId, name, token);
    s.alive();
    if (token === mine) s.unfinished.delete(name);
    else ctx.emit({ type: 'push-abandoned', dataset: name });
  }
}

/** A dataset this terminal saw on the server is gone from it (deleted on another terminal): so is it here. */
function forgetDeletedElsewhere(s: Session, ctx: PassContext, name: string, result: SyncResult): void {
  const ds = s.file.datasets[name];
  if (!ds || !(ds.lastSyncCount > 0 || Object.values(ds.records).some((r) => r.version > 0))) return;
  for (const [key, r] of Object.entries(ds.records)) {
    if (r.dirty || r.value === null) continue;
    result.pulled++;
    ctx.notify({ kind: 'record', identityId: s.identityId, dataset: name, key, value: null, source: 'remote' });
  }
  restartWithPending(s, name);
}

/** What is left of a dataset gone from the server: the changes made here and not yet pushed, as new records. */
function restartWithPending(s: Session, name: string): void {
  const left = Object.entries(s.file.datasets[name]?.records ?? {}).filter(([, r]) => r.dirty);
  const others = Object.entries(s.file.datasets).filter(([n]) => n !== name);
  const restarted: [string, CachedDataset][] =
    left.length === 0 ? [] : [[name, { lastSyncCount: 0, records: Object.fromEntries(left.map(([k, r]) => [k, { ...r, version: 0, remoteBytes: 0 }])) }]];
  s.file.datasets = Object.fromEntries([...others, ...restarted]);
}

/**
 * Deletes a dataset on the server (Cognito Sync's DeleteDataset): its records, then its item (so it is listed
 * until the records are gone), then its slot of the dataset limit. Changes made here since start it again.
 */
async function deleteRemote(s: Session, ctx: PassContext, name: string, meta: DatasetMeta | undefined): Promise<void> {
  const id = s.identityId;
  if (meta) {
    const token = pushToken(ctx);
    await s.remote.beginWrite(id, name, token);
    s.unfinished.set(name, token);
    s.alive();
    for (const r of await s.remote.pullRecords(id, name)) {
      s.alive();
      await s.remote.deleteRecord(id, name, r.key);
    }
    s.alive();
    await s.remote.deleteDatasetItem(id, name);
    s.unfinished.delete(name);
    s.alive();
  }
  await s.remote.unregisterDataset(id, name);
  s.alive();
  restartWithPending(s, name);
  await s.save();
}

/** The dataset's usage as recorded on its item is what its records hold, or is set so (when nothing is being written). */
async function repairUsage(s: Session, name: string, meta: DatasetMeta, remote: readonly RemoteRecord[]): Promise<void> {
  const actual = usageOf(remote.map((r) => [r.key, r] as [string, RemoteRecord]));
  if (meta.usage && meta.usage.records === actual.records && meta.usage.bytes === actual.bytes) return;
  await s.remote.repairUsage(s.identityId, name, actual, meta.syncCount);
  s.alive();
}

/** A push's token: when it began (the writer's clock: only ever read to find abandoned pushes) and a random id. */
const pushToken = (ctx: PassContext): string => `${ctx.clock.now()}:${randomUUID()}`;
const nothing = (u: DatasetUsage): boolean => u.records === 0 && u.bytes === 0;
const negate = (u: DatasetUsage): DatasetUsage => ({ records: -u.records, bytes: -u.bytes });

/** What the server counts for the dataset as this terminal last saw it (removed and new records count nothing). */
function usageOnServer(ds: CachedDataset): DatasetUsage {
  let records = 0;
  let bytes = 0;
  for (const r of Object.values(ds.records)) {
    const b = r.remoteBytes ?? 0;
    if (b > 0) records++;
    bytes += b;
  }
  return { records, bytes };
}

function limitReached(ctx: PassContext, name: string, detail: string): ScrubInError {
  ctx.emit({ type: 'limit', dataset: name, detail });
  return new ScrubInError('sync_limit', { detail });
}

/**
 * Pushes the dataset's changed records (conditional writes, each growth reserved first) inside one
 * begin/end frame. 'lost' when another terminal won a write race.
 */
async function push(
  s: Session,
  ctx: PassContext,
  name: string,
  ds: CachedDataset,
  at: { meta: DatasetMeta | undefined; pulled: boolean; round: number; listed: string[] },
  result: SyncResult,
): Promise<'done' | 'lost'> {
  const id = s.identityId;
  const base = at.meta?.syncCount ?? 0;
  const busy = (at.meta?.writers.length ?? 0) > 0;
  const dirty = Object.entries(ds.records)
    .filter(([, r]) => r.dirty)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (dirty.length === 0) {
    // Seen everything up to `base` only if no push was under way meanwhile.
    if (!busy) ds.lastSyncCount = base;
    if (at.pulled || !busy) await s.save();
    return 'done';
  }
  try {
    checkGrowth(name, usageOnServer(ds), usageOf(Object.entries(ds.records)), ctx.limits);
  } catch (error) {
    if (at.pulled) await s.save();
    throw limitReached(ctx, name, (error as ScrubInError).detail ?? '');
  }
  if (!at.meta && !(await s.remote.registerDataset(id, name, ctx.limits.maxDatasets, at.listed))) {
    throw limitReached(ctx, name, `at most ${ctx.limits.maxDatasets} datasets per person; "${name}" would be one more (counted on the server)`);
  }
  s.alive();
  const token = pushToken(ctx);
  await s.remote.beginWrite(id, name, token);
  s.unfinished.set(name, token);
  s.alive();
  let lost = false;
  let limit: ScrubInError | undefined;
  const serverLimits = { records: ctx.limits.maxRecordsPerDataset, bytes: ctx.limits.maxDatasetBytes };
  for (const [key, rec] of dirty) {
    const sent = { ...rec };
    const bytes = recordBytes(key, sent.value);
    const { grow, shrink } = usageDelta(sent.remoteBytes ?? 0, bytes);
    if (!nothing(grow) && !(await s.remote.addUsage(id, name, grow, serverLimits))) {
      s.alive();
      limit = limitReached(ctx, name, `dataset "${name}" is at its limit of ${ctx.limits.maxRecordsPerDataset} settings or ${ctx.limits.maxDatasetBytes} bytes (counted on the server)`);
      break;
    }
    s.alive();
    const ok = await s.remote.putRecord(id, name, key, sent, sent.version);
    s.alive();
    if (!ok) {
      if (!nothing(grow)) await s.remote.addUsage(id, name, negate(grow));
      lost = true;
      ctx.emit({ type: 'race-lost', dataset: name, round: at.round });
      break;
    }
    if (!nothing(shrink)) await s.remote.addUsage(id, name, shrink);
    s.alive();
    result.pushed++;
    const now = ds.records[key];
    if (now) {
      const same = now.value === sent.value && now.lastModified === sent.lastModified;
      ds.records[key] = { ...now, version: sent.version + 1, dirty: same ? false : now.dirty, remoteBytes: bytes };
    }
  }
  const ended = await s.remote.endWrite(id, name, token);
  s.unfinished.delete(name);
  s.alive();
  // Everything up to `base` was seen; this push is the only one in between iff the count moved by one and no other is under way.
  if (!lost && !limit && !busy && ended && ended.syncCount === base + 1 && ended.writers.length === 0) ds.lastSyncCount = ended.syncCount;
  await s.save();
  if (limit) throw limit;
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
  // Records cached by an older version do not know what the server counts for them: now they do.
  for (const r of remote) {
    const rec = Object.hasOwn(ds.records, r.key) ? ds.records[r.key] : undefined;
    if (rec && rec.remoteBytes === undefined && rec.version === r.version) rec.remoteBytes = recordBytes(r.key, r.value);
  }
  for (const step of planMerge(name, ds.records, remote)) {
    if (step.kind === 'take-remote') {
      if (!unchanged(step.key)) continue;
      const old = before[step.key]?.value;
      ds.records[step.key] = step.record;
      visible(step.key, step.record.value, old);
    } else if (step.kind === 'rebase') {
      const rec = ds.records[step.key];
      if (rec && unchanged(step.key)) ds.records[step.key] = { ...rec, version: step.version, remoteBytes: 0 };
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
      const { value, lastModified, deviceId, version } = step.remote;
      const remoteBytes = recordBytes(step.key, value);
      if (choice === 'remote') {
        ds.records[step.key] = { value, lastModified, deviceId, version, dirty: false, remoteBytes };
        // The person's own change was replaced by one made elsewhere: the UI tells them.
        visible(step.key, value, local.value, true);
      } else if (choice === 'local') {
        ds.records[step.key] = { ...local, version, dirty: true, remoteBytes };
      } else {
        ds.records[step.key] = {
          value: choice.value,
          lastModified: Math.max(ctx.clock.now(), local.lastModified + 1),
          deviceId: ctx.deviceId,
          version,
          dirty: true,
          remoteBytes,
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
