/**
 * Conflict resolution for one dataset: pure, so the policy is tested without a server.
 *
 * A conflict is a record changed here (dirty) whose remote version moved since this terminal last
 * saw it. Default policy: the most recent change wins, by the record's `lastModified` (the clock of
 * the device that made the change); on a tie, the change from the device id that sorts first wins;
 * if that ties too (same device), the removal wins, then the value that sorts first. An `onConflict`
 * hook may choose `'local'`, `'remote'` or a merged `{ value }` instead.
 */
import type { CachedRecord } from './cache';
import type { RemoteRecord } from './table';

export interface RecordView {
  dataset: string;
  key: string;
  /** null = removed. */
  value: string | null;
  lastModified: number;
  deviceId: string;
  version: number;
}

export type ConflictChoice = 'local' | 'remote' | { value: string | null };
export type ConflictHandler = (local: RecordView, remote: RecordView) => ConflictChoice | Promise<ConflictChoice>;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The default policy: most recent change wins, ties broken deterministically. */
export function mostRecentWins(local: RecordView, remote: RecordView): 'local' | 'remote' {
  if (local.lastModified !== remote.lastModified) return local.lastModified > remote.lastModified ? 'local' : 'remote';
  const byDevice = compare(local.deviceId, remote.deviceId);
  if (byDevice !== 0) return byDevice < 0 ? 'local' : 'remote';
  if (local.value === null || remote.value === null) return local.value === null ? 'local' : 'remote';
  return compare(local.value, remote.value) <= 0 ? 'local' : 'remote';
}

export type Step =
  /** Take the remote record (not dirty); `changed` when the visible value differs. */
  | { kind: 'take-remote'; key: string; record: CachedRecord; changed: boolean }
  /** Keep the local dirty record, now based on the given remote version (push it). */
  | { kind: 'rebase'; key: string; version: number }
  /** A conflict to resolve (hook or default). */
  | { kind: 'conflict'; key: string; local: RecordView; remote: RecordView };

/** What the remote state means for each local record (no conflict resolved yet). */
export function planMerge(dataset: string, local: Readonly<Record<string, CachedRecord>>, remote: readonly RemoteRecord[]): Step[] {
  const steps: Step[] = [];
  for (const r of remote) {
    const l = Object.hasOwn(local, r.key) ? local[r.key] : undefined;
    const asCached: CachedRecord = { value: r.value, lastModified: r.lastModified, deviceId: r.deviceId, version: r.version, dirty: false };
    if (!l) {
      steps.push({ kind: 'take-remote', key: r.key, record: asCached, changed: r.value !== null });
      continue;
    }
    if (r.version === l.version) continue; // nothing new remotely
    if (!l.dirty) {
      if (r.version > l.version) steps.push({ kind: 'take-remote', key: r.key, record: asCached, changed: r.value !== l.value });
      continue;
    }
    if (r.value === l.value) {
      // Same result on both sides: no conflict, adopt the remote version.
      steps.push({ kind: 'take-remote', key: r.key, record: asCached, changed: false });
      continue;
    }
    steps.push({
      kind: 'conflict',
      key: r.key,
      local: { dataset, key: r.key, value: l.value, lastModified: l.lastModified, deviceId: l.deviceId, version: l.version },
      remote: { dataset, key: r.key, value: r.value, lastModified: r.lastModified, deviceId: r.deviceId, version: r.version },
    });
  }
  // A dirty local record based on a version the server no longer has (or never had) is pushed as new.
  const remoteKeys = new Set(remote.map((r) => r.key));
  for (const [key, l] of Object.entries(local)) {
    if (l.dirty && l.version !== 0 && !remoteKeys.has(key)) steps.push({ kind: 'rebase', key, version: 0 });
  }
  return steps;
}
