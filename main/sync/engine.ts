/**
 * Per-person settings that follow staff between terminals: the Cognito Sync behaviour rebuilt on
 * DynamoDB with the identity-pool credentials. Electron-free.
 *
 * - Datasets of string key/value records per identity, kept in a local cache file (works offline).
 * - `synchronize()`: pull (only datasets whose remote sync count moved), resolve conflicts (most
 *   recent change wins, or the `onConflict` hook), push with conditional writes (record versions);
 *   a push that loses a race re-pulls and retries, bounded, so no update is lost.
 * - Syncs on open (sign-in), on `reconnected()`, on change (debounced on the injected Clock), and
 *   again later after a retryable failure (backoff on the Clock). Outcomes are reported as events.
 * - One person at a time: `open(identityId)` / `close({ flush, purge })`; shared terminals purge the
 *   person's cache at sign-out or switch.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { systemClock, type Clock, type TimerHandle } from '../clock';
import { ScrubInError, isScrubInError, toScrubInError } from '../errors';
import { resolveRetry, type RetryOptions } from '../aws/backoff';
import { checkIdentityId, emptyCache, loadCacheFile, removeAllCacheFiles, removeCacheFile, saveCacheFile, type CachedDataset, type CachedRecord, type CacheFile } from './cache';
import type { SyncFailureKind } from './classify';
import { DEFAULT_LIMITS, checkDatasetName, checkKey, checkUsage, checkValue, usageOf, type SyncLimits } from './limits';
import { mostRecentWins, planMerge, type ConflictChoice, type ConflictHandler, type RecordView } from './merge';
import { Remote, type RemoteOperation } from './remote';
import { DEFAULT_TABLE_NAME, type RemoteRecord } from './table';

/** What the credentials function returns (`AwsCredentials` of main/aws fits). */
export interface SyncCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ms since the epoch */
  expiration: number;
  identityId: string;
}

export type SettingsChange =
  /** One record changed (here, or pulled from another terminal). `value` null = removed. */
  | { kind: 'record'; identityId: string; dataset: string; key: string; value: string | null; source: 'local' | 'remote' }
  /** The person changed (open / close): re-read everything. */
  | { kind: 'reset'; identityId: string | null };

export type SettingsListener = (change: SettingsChange) => void;

export interface SyncResult {
  /** Records whose visible value changed because of the pull. */
  pulled: number;
  pushed: number;
  conflicts: number;
}

/** Events for logs and diagnostics: identifiers, counts and codes only, never values or credentials. */
export type SyncEvent =
  | { type: 'opened'; identityId: string; cache: 'loaded' | 'empty' | 'corrupt' | 'other-identity' | 'unreadable' }
  | { type: 'closed'; identityId: string; purged: boolean; pendingLost: number }
  | { type: 'sync-start'; identityId: string; reason: SyncReason }
  | { type: 'synced'; identityId: string; pulled: number; pushed: number; conflicts: number }
  | { type: 'sync-failed'; identityId: string; code: string; retryInMs: number | null }
  | { type: 'retry'; operation: RemoteOperation; attempt: number; delayMs: number; reason: SyncFailureKind }
  | { type: 'conflict'; dataset: string; key: string; resolution: 'local' | 'remote' | 'merged'; by: 'hook' | 'default' }
  | { type: 'conflict-hook-failed'; dataset: string; key: string }
  | { type: 'race-lost'; dataset: string; round: number }
  | { type: 'limit'; dataset: string; detail: string }
  | { type: 'cache-write-failed'; identityId: string };

export type SyncReason = 'open' | 'change' | 'reconnect' | 'retry' | 'flush';

export interface SettingsSyncOptions {
  /** Folder of the cache files (one per identity). */
  cacheDir: string;
  /** AWS credentials of the signed-in person, e.g. `() => credentialsProvider.getCredentials()`. Called per request; expiry is the provider's job. */
  credentials: () => Promise<SyncCredentials>;
  region: string;
  /** DynamoDB endpoint override (local-cognito: its origin). */
  endpoint?: string;
  tableName?: string;
  clock?: Clock;
  /** Backoff waits; defaults to timers on `clock`. Tests pass one that resolves at once. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Identifies this terminal in records (tie-break of the conflict policy). Default: random per process. */
  deviceId?: string;
  /** Per-request retries of throttling / 5xx / network failures (default 5 attempts, 200 ms base, 5 s cap). */
  retry?: RetryOptions;
  onConflict?: ConflictHandler;
  onEvent?: (event: SyncEvent) => void;
  limits?: Partial<SyncLimits>;
  /** Defaults to a DynamoDBClient per open identity, SDK retries off, credentials from `credentials`. */
  createClient?: (credentials: () => Promise<SyncCredentials>) => { send: DynamoDBClient['send']; destroy?: () => void };
  /** Test seam: runs after each pull, before conflicts are resolved and changes pushed. */
  afterPull?: (dataset: string) => Promise<void>;
}

export interface SettingsSync {
  /** Loads the person's cache and starts a sync (sign-in). Opening another person closes the current one first (no purge). */
  open(identityId: string): Promise<void>;
  /** Ends the session: optionally pushes pending changes first (`flush`, default true), then removes the cache file if `purge`. */
  close(options?: { flush?: boolean; purge?: boolean }): Promise<void>;
  /** Shared terminals at start: closes without pushing and removes every settings cache in `cacheDir` (crash, power loss). */
  purgeLeftovers(): Promise<void>;
  currentIdentity(): string | null;
  get(dataset: string, key: string): string | undefined;
  set(dataset: string, key: string, value: string): Promise<void>;
  subscribe(listener: SettingsListener): () => void;
  /** The network is back: sync now (and reset the retry backoff). */
  reconnected(): void;
}

const DEBOUNCE_MS = 2000;
const MAX_WAIT_MS = 10_000;
const RETRY_INITIAL_MS = 5000;
const RETRY_MAX_MS = 300_000;
const MAX_RACE_RETRIES = 3;
const FLUSH_TIMEOUT_MS = 5000;

interface Session {
  identityId: string;
  file: CacheFile;
  client: { send: DynamoDBClient['send']; destroy?: () => void };
  remote: Remote;
  ending: boolean;
  closed: boolean;
  writes: Promise<void>;
  running: Promise<SyncResult> | null;
  queued: Promise<SyncResult> | null;
  debounce: TimerHandle | null;
  firstPendingAt: number | null;
  retryTimer: TimerHandle | null;
  retryDelay: number;
  /** The last credentials the provider gave for this identity (main-process memory only), for the final flush. */
  lastCreds: SyncCredentials | null;
  flushing: boolean;
}

class SessionEnded extends ScrubInError {
  constructor() {
    super('signed_out', { detail: 'settings sync: the session ended during the operation' });
  }
}

export function createSettingsSync(options: SettingsSyncOptions): SettingsSync {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => clock.setTimer(ms, resolve)));
  const random = options.random ?? Math.random;
  const deviceId = options.deviceId ?? `device-${crypto.randomUUID()}`;
  const retry = resolveRetry(options.retry);
  const limits: SyncLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const emit = (event: SyncEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // a broken logger must not break sync
    }
  };
  const listeners = new Set<SettingsListener>();
  const notify = (change: SettingsChange): void => {
    for (const l of [...listeners]) {
      try {
        l(change);
      } catch {
        // one listener's failure is not the others' problem
      }
    }
  };

  let current: Session | null = null;

  const requireSession = (): Session => {
    if (!current) throw new ScrubInError('signed_out', { detail: 'settings: nobody is signed in' });
    return current;
  };
  const alive = (s: Session): void => {
    if (s.ending || s.closed) throw new SessionEnded();
  };

  const defaultClient = (creds: () => Promise<SyncCredentials>): Session['client'] =>
    new DynamoDBClient({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      maxAttempts: 1,
      credentials: async () => {
        const c = await creds();
        return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: new Date(c.expiration) };
      },
    });

  /**
   * Credentials for this session's requests. During the final flush at sign-out the terminal has
   * usually closed its credentials gate already (`signed_out` / `locked`): the leaving person's last
   * credentials, if still valid for a minute, push their own pending changes one last time.
   */
  const sessionCredentials = async (s: Session): Promise<SyncCredentials> => {
    try {
      const c = await options.credentials();
      if (c.identityId !== s.identityId) {
        throw new ScrubInError('not_authorized', { detail: 'settings sync: the AWS credentials belong to another identity than the open settings' });
      }
      s.lastCreds = c;
      return c;
    } catch (error) {
      const last = s.lastCreds;
      const gateClosed = isScrubInError(error, 'signed_out') || isScrubInError(error, 'locked');
      if (s.flushing && gateClosed && last && last.expiration - clock.now() > 60_000) return last;
      throw error;
    }
  };

  // ---- cache writes (serialised per session) ----------------------------------------------------

  const save = (s: Session): Promise<void> => {
    const next = s.writes
      .catch(() => undefined)
      .then(async () => {
        if (s.closed) return;
        try {
          await saveCacheFile(options.cacheDir, s.file);
        } catch (error) {
          emit({ type: 'cache-write-failed', identityId: s.identityId });
          throw new ScrubInError('internal', { detail: 'settings: the settings cache could not be written', cause: error });
        }
      });
    s.writes = next;
    return next;
  };

  // ---- scheduling ---------------------------------------------------------------------------------

  const background = (s: Session, reason: SyncReason): void => {
    requestSync(s, reason).catch(() => undefined); // reported through events
  };

  const scheduleDebounced = (s: Session): void => {
    const now = clock.now();
    s.firstPendingAt ??= now;
    const due = Math.min(now + DEBOUNCE_MS, s.firstPendingAt + MAX_WAIT_MS);
    s.debounce?.cancel();
    s.debounce = clock.setTimer(Math.max(0, due - now), () => {
      s.debounce = null;
      if (!s.ending) background(s, 'change');
    });
  };

  const scheduleRetry = (s: Session): number => {
    const delay = s.retryDelay;
    s.retryTimer?.cancel();
    s.retryTimer = clock.setTimer(delay, () => {
      s.retryTimer = null;
      if (!s.ending) background(s, 'retry');
    });
    s.retryDelay = Math.min(RETRY_MAX_MS, s.retryDelay * 2);
    return delay;
  };

  const requestSync = (s: Session, reason: SyncReason): Promise<SyncResult> => {
    if (s.ending && reason !== 'flush') return Promise.reject(new SessionEnded());
    if (s.running) {
      s.queued ??= s.running
        .catch(() => undefined)
        .then(() => {
          s.queued = null;
          return startRun(s, reason);
        });
      return s.queued;
    }
    return startRun(s, reason);
  };

  const startRun = (s: Session, reason: SyncReason): Promise<SyncResult> => {
    s.debounce?.cancel();
    s.debounce = null;
    s.firstPendingAt = null;
    s.retryTimer?.cancel();
    s.retryTimer = null;
    emit({ type: 'sync-start', identityId: s.identityId, reason });
    const run = (async (): Promise<SyncResult> => {
      try {
        const result = await runOnce(s);
        s.retryDelay = RETRY_INITIAL_MS;
        emit({ type: 'synced', identityId: s.identityId, ...result });
        return result;
      } catch (error) {
        const e = toScrubInError(error);
        if (!(error instanceof SessionEnded)) {
          const retryInMs = e.retryable && !s.ending ? scheduleRetry(s) : null;
          emit({ type: 'sync-failed', identityId: s.identityId, code: e.code, retryInMs });
        }
        throw e;
      }
    })();
    s.running = run;
    const clear = (): void => {
      if (s.running === run) s.running = null;
    };
    run.then(clear, clear);
    return run;
  };

  // ---- the sync itself ----------------------------------------------------------------------------

  const runOnce = async (s: Session): Promise<SyncResult> => {
    await sessionCredentials(s);
    alive(s);
    const metas = await s.remote.listDatasets(s.identityId);
    alive(s);
    const names = [...new Set([...Object.keys(s.file.datasets), ...metas.keys()])].sort();
    const result: SyncResult = { pulled: 0, pushed: 0, conflicts: 0 };
    let limitError: ScrubInError | undefined;
    for (const name of names) {
      try {
        await syncDataset(s, name, metas.get(name), result);
      } catch (error) {
        if (isScrubInError(error, 'sync_limit') && !(error instanceof SessionEnded)) {
          limitError ??= error;
          continue;
        }
        throw error;
      }
    }
    if (limitError) throw limitError;
    return result;
  };

  const resolveConflict = async (local: RecordView, remote: RecordView): Promise<{ choice: ConflictChoice; by: 'hook' | 'default' }> => {
    if (options.onConflict) {
      try {
        // The hook is app code, but its answer is checked like input.
        const choice: unknown = await options.onConflict({ ...local }, { ...remote });
        if (choice === 'local' || choice === 'remote') return { choice, by: 'hook' };
        const value: unknown = typeof choice === 'object' && choice !== null ? (choice as { value?: unknown }).value : undefined;
        if (value === null) return { choice: { value: null }, by: 'hook' };
        if (typeof value === 'string') return { choice: { value: checkValue(value, limits) }, by: 'hook' };
      } catch {
        // fall through to the default policy
      }
      emit({ type: 'conflict-hook-failed', dataset: local.dataset, key: local.key });
    }
    return { choice: mostRecentWins(local, remote), by: 'default' };
  };

  const mergeInto = async (s: Session, name: string, remote: RemoteRecord[], result: SyncResult): Promise<void> => {
    const ds: CachedDataset = (s.file.datasets[name] ??= { lastSyncCount: 0, records: {} });
    const before: Record<string, CachedRecord | undefined> = { ...ds.records };
    const unchanged = (key: string): boolean => (Object.hasOwn(ds.records, key) ? ds.records[key] : undefined) === before[key];
    const visible = (key: string, value: string | null, old: string | null | undefined): void => {
      if ((old ?? null) === value) return;
      result.pulled++;
      notify({ kind: 'record', identityId: s.identityId, dataset: name, key, value, source: 'remote' });
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
        const { choice, by } = await resolveConflict(step.local, step.remote);
        alive(s);
        // A change made here while the hook ran is newer than both: leave it for the next round.
        if (!unchanged(step.key)) continue;
        const local = before[step.key];
        if (!local) continue;
        const resolution = choice === 'local' || choice === 'remote' ? choice : 'merged';
        emit({ type: 'conflict', dataset: name, key: step.key, resolution, by });
        if (choice === 'remote') {
          ds.records[step.key] = {
            value: step.remote.value,
            lastModified: step.remote.lastModified,
            deviceId: step.remote.deviceId,
            version: step.remote.version,
            dirty: false,
          };
          visible(step.key, step.remote.value, local.value);
        } else if (choice === 'local') {
          ds.records[step.key] = { ...local, version: step.remote.version, dirty: true };
        } else {
          ds.records[step.key] = {
            value: choice.value,
            lastModified: Math.max(clock.now(), Math.max(local.lastModified, step.remote.lastModified) + 1),
            deviceId,
            version: step.remote.version,
            dirty: true,
          };
          visible(step.key, choice.value, local.value);
        }
      }
    }
  };

  const syncDataset = async (s: Session, name: string, listedCount: number | undefined, result: SyncResult): Promise<void> => {
    const id = s.identityId;
    for (let round = 0; round <= MAX_RACE_RETRIES; round++) {
      let count = listedCount;
      if (round > 0) {
        count = await s.remote.datasetSyncCount(id, name);
        alive(s);
      }
      const known = s.file.datasets[name];
      // After a lost race always pull: the winner may not have bumped the dataset's count yet.
      const mustPull = round > 0 || (count !== undefined && (!known || count !== known.lastSyncCount));
      if (mustPull) {
        const remote = await s.remote.pullRecords(id, name);
        alive(s);
        if (options.afterPull) {
          await options.afterPull(name);
          alive(s);
        }
        await mergeInto(s, name, remote, result);
      }
      const ds = s.file.datasets[name];
      if (!ds) return;
      const base = count ?? 0;
      const dirty = Object.entries(ds.records)
        .filter(([, r]) => r.dirty)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (dirty.length === 0) {
        if (ds.lastSyncCount !== base || mustPull) {
          ds.lastSyncCount = base;
          await save(s);
        }
        return;
      }
      try {
        checkUsage(name, usageOf(Object.entries(ds.records)), limits);
      } catch (error) {
        emit({ type: 'limit', dataset: name, detail: (error as ScrubInError).detail ?? '' });
        if (mustPull) await save(s);
        throw error;
      }
      let lost = false;
      let pushedHere = 0;
      for (const [key, rec] of dirty) {
        const sent = { ...rec };
        const ok = await s.remote.putRecord(id, name, key, sent, sent.version);
        alive(s);
        if (!ok) {
          lost = true;
          emit({ type: 'race-lost', dataset: name, round });
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
        const newCount = await s.remote.bumpDataset(id, name);
        alive(s);
        // Everything up to `base` was seen; our bump is the only one in between iff newCount = base + 1.
        if (!lost) ds.lastSyncCount = newCount === base + 1 ? newCount : base;
      }
      await save(s);
      if (!lost) return;
    }
    throw new ScrubInError('sync_conflict', {
      detail: `settings sync: dataset "${name}" kept changing on another terminal; gave up after ${MAX_RACE_RETRIES + 1} attempts`,
    });
  };

  // ---- local changes --------------------------------------------------------------------------------

  const applyLocal = async (datasetIn: string, values: Record<string, string | null>): Promise<void> => {
    const s = requireSession();
    const dataset = checkDatasetName(datasetIn);
    const entries = Object.entries(values).map(([k, v]) => [checkKey(k), v === null ? null : checkValue(v, limits)] as const);
    const existing = s.file.datasets[dataset];
    if (!existing && Object.keys(s.file.datasets).length >= limits.maxDatasets) {
      throw new ScrubInError('sync_limit', {
        detail: `settings: at most ${limits.maxDatasets} datasets per person; "${dataset}" would be one more`,
      });
    }
    const records: Record<string, CachedRecord> = { ...existing?.records };
    const changed: [string, string | null][] = [];
    const now = clock.now();
    for (const [key, value] of entries) {
      const cur = Object.hasOwn(records, key) ? records[key] : undefined;
      if ((cur?.value ?? null) === value && !(cur === undefined && value !== null)) continue;
      records[key] = {
        value,
        lastModified: Math.max(now, (cur?.lastModified ?? -1) + 1),
        deviceId,
        version: cur?.version ?? 0,
        dirty: true,
      };
      changed.push([key, value]);
    }
    if (changed.length === 0) return;
    checkUsage(dataset, usageOf(Object.entries(records)), limits);
    if (current !== s) throw new SessionEnded();
    const ds: CachedDataset = (s.file.datasets[dataset] ??= { lastSyncCount: 0, records: {} });
    for (const [key] of changed) ds.records[key] = records[key] as CachedRecord;
    for (const [key, value] of changed) notify({ kind: 'record', identityId: s.identityId, dataset, key, value, source: 'local' });
    scheduleDebounced(s);
    await save(s);
  };

  // ---- sessions -----------------------------------------------------------------------------------

  const endSession = async (s: Session, flush: boolean, purge: boolean): Promise<void> => {
    if (current === s) current = null;
    s.debounce?.cancel();
    s.retryTimer?.cancel();
    const pending = (): number => Object.values(s.file.datasets).reduce((n, d) => n + Object.values(d.records).filter((r) => r.dirty).length, 0);
    if (flush && !s.ending && pending() > 0) {
      let timer: TimerHandle | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = clock.setTimer(FLUSH_TIMEOUT_MS, resolve);
      });
      s.flushing = true;
      await Promise.race([requestSync(s, 'flush').then(() => undefined, () => undefined), timeout]);
      timer?.cancel();
      s.flushing = false;
    }
    s.ending = true;
    s.lastCreds = null;
    s.debounce?.cancel();
    s.retryTimer?.cancel();
    await Promise.all([s.running?.catch(() => undefined), s.queued?.catch(() => undefined)]);
    await s.writes.catch(() => undefined);
    s.closed = true;
    s.client.destroy?.();
    if (purge) await removeCacheFile(options.cacheDir, s.identityId);
    emit({ type: 'closed', identityId: s.identityId, purged: purge, pendingLost: purge ? pending() : 0 });
    notify({ kind: 'reset', identityId: null });
  };

  return {
    async open(identityIdIn) {
      const identityId = checkIdentityId(identityIdIn);
      if (current?.identityId === identityId) return;
      if (current) await endSession(current, false, false);
      const load = await loadCacheFile(options.cacheDir, identityId);
      const file = load.problem ? emptyCache(identityId) : load.file;
      const hasData = Object.keys(file.datasets).length > 0;
      const holder: { session?: Session } = {};
      const creds = (): Promise<SyncCredentials> => {
        if (!holder.session) return Promise.reject(new SessionEnded());
        return sessionCredentials(holder.session);
      };
      const client = (options.createClient ?? defaultClient)(creds);
      const s: Session = {
        identityId,
        file,
        client,
        remote: undefined as unknown as Remote,
        ending: false,
        closed: false,
        writes: Promise.resolve(),
        running: null,
        queued: null,
        debounce: null,
        firstPendingAt: null,
        retryTimer: null,
        retryDelay: RETRY_INITIAL_MS,
        lastCreds: null,
        flushing: false,
      };
      holder.session = s;
      s.remote = new Remote({
        client,
        tableName,
        retry,
        random,
        sleep,
        onRetry: (operation, attempt, delayMs, reason) => emit({ type: 'retry', operation, attempt, delayMs, reason }),
        alive: () => alive(s),
      });
      if (current) await endSession(current, false, false); // opened concurrently meanwhile
      current = s;
      emit({ type: 'opened', identityId, cache: load.problem ?? (hasData ? 'loaded' : 'empty') });
      notify({ kind: 'reset', identityId });
      background(s, 'open');
    },

    async close(opts = {}) {
      const s = current;
      if (!s) return;
      await endSession(s, opts.flush ?? true, opts.purge ?? false);
    },

    async purgeLeftovers() {
      if (current) await endSession(current, false, true);
      await removeAllCacheFiles(options.cacheDir);
    },

    currentIdentity: () => current?.identityId ?? null,

    get(dataset, key) {
      const s = requireSession();
      const rec = s.file.datasets[checkDatasetName(dataset)]?.records;
      const k = checkKey(key);
      const value = rec && Object.hasOwn(rec, k) ? rec[k]?.value : undefined;
      return value ?? undefined;
    },

    async set(dataset, key, value) {
      await applyLocal(dataset, { [checkKey(key)]: checkValue(value, limits) });
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    reconnected() {
      const s = current;
      if (!s) return;
      s.retryDelay = RETRY_INITIAL_MS;
      background(s, 'reconnect');
    },
  };
}
