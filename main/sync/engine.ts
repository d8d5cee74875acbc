/**
 * The settings engine as the terminal uses it (it satisfies main/terminal's `TerminalSettings` port):
 * one person at a time (`open` / `close`), reads and writes of their settings from the local cache (works
 * offline), change notifications, `reconnected()` and `purgeLeftovers()`. The Cognito Sync behaviour rebuilt
 * on DynamoDB with the identity-pool credentials; electron-free. The pass itself is ./synchronise.ts, its
 * timing ./scheduler.ts, one person's open state ./session.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { callSafely, emitAll, resolveRetry, type RetryOptions } from '../lib';
import { createNodeTransport, createSdkRequestHandler, type Transport } from '../net';
import { systemClock, type Clock } from '../clock';
import { ScrubInError } from '../errors';
import { checkIdentityId, emptyCache, loadCacheFile, removeAllCacheFiles, removeCacheFile, type CachedDataset } from './cache';
import { DEFAULT_LIMITS, checkDatasetName, checkGrowth, checkKey, checkValue, usageOf, type SyncLimits } from './limits';
import type { ConflictHandler } from './merge';
import { SyncScheduler } from './scheduler';
import { REQUEST_TIMEOUT_MS, SYNC_RETRY } from './remote';
import { Session, type SessionDeps, type SyncClient } from './session';
import { synchronise, type PassContext } from './synchronise';
import { DEFAULT_TABLE_NAME } from './table';
import type { SettingsChange, SettingsListener, SyncCredentials, SyncEvent } from './types';

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
  /** How long one request may take on `clock` before it is aborted and retried (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  onConflict?: ConflictHandler;
  onEvent?: (event: SyncEvent) => void;
  limits?: Partial<SyncLimits>;
  /** The app's one HTTP transport (main/net) for the default client; defaults to a plain-Node one (direct unless HTTPS_PROXY). */
  transport?: Transport;
  /** Defaults to a DynamoDBClient per open identity, SDK retries off, credentials from `credentials`. */
  createClient?: (credentials: () => Promise<SyncCredentials>) => SyncClient;
  /** Test seam: runs after each pull, before conflicts are resolved and changes pushed. */
  afterPull?: (dataset: string) => Promise<void>;
}

export interface SettingsSync {
  /** Loads the person's cache and starts a sync (sign-in). Opening another person closes the current one first (no purge). */
  open(identityId: string): Promise<void>;
  /**
   * Ends the session. At once, before it returns: nobody is open, and with `purge` the cache file is removed (the
   * changes live on in memory only). Then, with `flush` (default true), pending changes are pushed, for at most
   * FLUSH_TIMEOUT_MS on the clock; requests still in flight are then aborted. Resolves with how many changes were
   * not saved (pushed nowhere and, with `purge`, gone).
   */
  close(options?: { flush?: boolean; purge?: boolean }): Promise<{ notSaved: number }>;
  /** Shared terminals at start: closes without pushing and removes every settings cache in `cacheDir` (crash, power loss). */
  purgeLeftovers(): Promise<void>;
  currentIdentity(): string | null;
  get(dataset: string, key: string): string | undefined;
  set(dataset: string, key: string, value: string): Promise<void>;
  /** Deletes a dataset with all its settings (Cognito Sync's DeleteDataset): gone here now, on the server at the next sync, then it no longer counts. */
  deleteDataset(dataset: string): Promise<void>;
  subscribe(listener: SettingsListener): () => void;
  /** The network is back: sync now (and reset the retry backoff). */
  reconnected(): void;
}

/** The open person: their session and when it syncs. */
interface Current {
  session: Session;
  scheduler: SyncScheduler;
}

export function createSettingsSync(options: SettingsSyncOptions): SettingsSync {
  const clock = options.clock ?? systemClock;
  const deviceId = options.deviceId ?? `device-${crypto.randomUUID()}`;
  const limits: SyncLimits = { ...DEFAULT_LIMITS, ...options.limits };
  // A broken logger must not break sync; one listener's failure is not the others' problem.
  const emit = (event: SyncEvent): void => callSafely(options.onEvent, event);
  const listeners = new Set<SettingsListener>();
  const notify = (change: SettingsChange): void => emitAll(listeners, change);
  const pass: PassContext = { clock, deviceId, limits, emit, notify, onConflict: options.onConflict, afterPull: options.afterPull };
  const sessionDeps: SessionDeps = {
    cacheDir: options.cacheDir,
    clock,
    credentials: options.credentials,
    createClient: options.createClient ?? defaultClient(options),
    tableName: options.tableName ?? DEFAULT_TABLE_NAME,
    retry: resolveRetry(options.retry, SYNC_RETRY),
    random: options.random ?? Math.random,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => clock.setTimer(ms, resolve))),
    requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    emit,
  };

  let current: Current | null = null;

  const requireCurrent = (): Current => {
    if (!current) throw new ScrubInError('signed_out', { detail: 'settings: nobody is signed in' });
    return current;
  };

  /**
   * Ends a session. Synchronously up to its first wait: nobody is open, timers stop, and with `purge` the file is
   * gone. Then the bounded final flush; then requests in flight are aborted and nothing more is written.
   */
  const end = async ({ session: s, scheduler }: Current, flush: boolean, purge: boolean): Promise<{ notSaved: number }> => {
    if (current?.session === s) current = null;
    scheduler.cancelTimers();
    if (purge) s.dropCache();
    notify({ kind: 'reset', identityId: null });
    if (flush && !s.ending && s.pendingChanges() > 0) {
      s.flushing = true;
      await scheduler.flush();
      s.flushing = false;
    }
    s.beginEnd();
    // Not waiting for a pass still running: its requests were just aborted and it stops at its next check.
    await s.finish();
    if (purge) await removeCacheFile(options.cacheDir, s.identityId);
    const notSaved = s.pendingChanges();
    emit({ type: 'closed', identityId: s.identityId, purged: purge, pendingLost: purge ? notSaved : 0 });
    return { notSaved };
  };

  return {
    async open(identityIdIn) {
      const identityId = checkIdentityId(identityIdIn);
      if (current?.session.identityId === identityId) return;
      if (current) await end(current, false, false);
      const load = await loadCacheFile(options.cacheDir, identityId);
      const file = load.problem ? emptyCache(identityId) : load.file;
      const session = new Session(identityId, file, sessionDeps);
      const scheduler = new SyncScheduler({ clock, identityId, emit, pass: () => synchronise(session, pass), ending: () => session.ending });
      if (current) await end(current, false, false); // opened concurrently meanwhile
      current = { session, scheduler };
      emit({ type: 'opened', identityId, cache: load.problem ?? (Object.keys(file.datasets).length > 0 ? 'loaded' : 'empty') });
      notify({ kind: 'reset', identityId });
      scheduler.now('open');
    },

    close(opts = {}) {
      return current ? end(current, opts.flush ?? true, opts.purge ?? false) : Promise.resolve({ notSaved: 0 });
    },

    async purgeLeftovers() {
      if (current) await end(current, false, true);
      await removeAllCacheFiles(options.cacheDir);
    },

    currentIdentity: () => current?.session.identityId ?? null,

    get(dataset, key) {
      const records = requireCurrent().session.file.datasets[checkDatasetName(dataset)]?.records;
      const k = checkKey(key);
      return (records && Object.hasOwn(records, k) ? records[k]?.value : undefined) ?? undefined;
    },

    async set(datasetIn, keyIn, valueIn) {
      const { session: s, scheduler } = requireCurrent();
      const dataset = checkDatasetName(datasetIn);
      const key = checkKey(keyIn);
      const value = checkValue(valueIn, limits);
      const existing = s.file.datasets[dataset];
      if (!existing && Object.keys(s.file.datasets).length >= limits.maxDatasets) {
        throw new ScrubInError('sync_limit', {
          detail: `settings: at most ${limits.maxDatasets} datasets per person; "${dataset}" would be one more`,
        });
      }
      const cur = existing && Object.hasOwn(existing.records, key) ? existing.records[key] : undefined;
      if (cur?.value === value) return;
      const record = { value, lastModified: Math.max(clock.now(), (cur?.lastModified ?? -1) + 1), deviceId, version: cur?.version ?? 0, dirty: true, remoteBytes: cur?.remoteBytes ?? 0 };
      checkGrowth(dataset, usageOf(Object.entries(existing?.records ?? {})), usageOf(Object.entries({ ...existing?.records, [key]: record })), limits);
      const ds: CachedDataset = (s.file.datasets[dataset] ??= { lastSyncCount: 0, records: {} });
      ds.records[key] = record;
      notify({ kind: 'record', identityId: s.identityId, dataset, key, value, source: 'local' });
      scheduler.changed();
      await s.save();
    },

    async deleteDataset(datasetIn) {
      const { session: s, scheduler } = requireCurrent();
      const dataset = checkDatasetName(datasetIn);
      const records = s.file.datasets[dataset]?.records ?? {};
      s.file.datasets[dataset] = { lastSyncCount: s.file.datasets[dataset]?.lastSyncCount ?? 0, records: {}, deleting: true };
      for (const [key, r] of Object.entries(records)) {
        if (r.value !== null) notify({ kind: 'record', identityId: s.identityId, dataset, key, value: null, source: 'local' });
      }
      scheduler.changed();
      await s.save();
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    reconnected() {
      current?.scheduler.now('reconnect');
    },
  };
}

/** A DynamoDBClient with the SDK's own retries off (the engine retries) and the session's credentials. */
const defaultClient = (options: SettingsSyncOptions): ((creds: () => Promise<SyncCredentials>) => SyncClient) => {
  let transport = options.transport;
  // A real-time bound per request over the app's transport, behind the per-request timeout on the engine's clock (remote.ts).
  return (creds) => {
    transport ??= createNodeTransport({ proxy: 'system' });
    return new DynamoDBClient({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      maxAttempts: 1,
      requestHandler: createSdkRequestHandler(transport.fetch, { requestTimeoutMs: REQUEST_TIMEOUT_MS }),
      credentials: async () => {
        const c = await creds();
        return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: new Date(c.expiration) };
      },
    });
  };
};
