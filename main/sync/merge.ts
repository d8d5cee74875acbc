/**
 * Conflict resolution for one dataset: pure, so the policy is tested without a server.
 *
 * A conflict is a record changed here (dirty) whose remote version moved since this terminal last
 * saw it: another terminal's change, based on the same version, reached the server first. Default
 * policy: **server order** -- the change the server accepted first (the successful conditional write)
 * stands, and the change made here is dropped (reported; the person is told). Device clocks
 * (`lastModified`) never decide: a terminal whose clock runs fast cannot win with an older edit. An
 * `onConflict` hook may choose `'local'` (written on top: the later write), `'remote'` or a merged
 * `{ value }` instead.
 */
import type { CachedRecord } from './cache';
import { recordBytes } from './limits';
import type { RemoteRecord } from './table';

export interface RecordView {
  dataset: string;
  key: string;
  /** null = removed. */
  value: string | null;
  /** ms on the clock of the device that made the change: for information only, never for ordering. */
  lastModified: number;
  deviceId: string;
  version: number;
}

export type ConflictChoice = 'local' | 'remote' | { value: string | null };
export type ConflictHandler = (local: RecordView, remote: RecordView) => ConflictChoice | Promise<ConflictChoice>;

/** The default policy: the change the server already holds (it was accepted first) wins. */
export function serverOrder(): 'remote' {
  return 'remote';
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
    const asCached: CachedRecord = { value: r.value, lastModified: r.lastModified, deviceId: r.deviceId, version: r.version, dirty: false, remoteBytes: recordBytes(r.key, r.value) };
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
