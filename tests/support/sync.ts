/**
 * For the settings-sync tests: guest credentials from the standalone local identity pool + DynamoDB front (a real
 * credentials provider, main/identity-pool, in a guest session; providers sharing `cacheDir` share the guest identity, the
 * same person on two terminals), a log of the engine's events that tests wait on instead of the clock, and
 * `SyncBench`: "terminals" (sync engines with their own cache folder and ManualClock) against one local DynamoDB.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local-cognito/dynamodb/standalone';
import { createCredentialsProvider, type CredentialsProvider } from '../../main/identity-pool';
import { ManualClock } from '../../main/clock';
import { ConfigSchema } from '../../main/config/schema';
import { createSettingsSync, type ConflictHandler, type RecordView, type SettingsChange, type SettingsSync, type SyncEvent, type SyncReason } from '../../main/sync';
import type { SyncLimits } from '../../main/sync/limits';
import { loadCacheFile, type CacheFile } from '../../main/sync/cache';

export async function guestProvider(ld: LocalDynamoDb, cacheDir: string): Promise<CredentialsProvider> {
  const config = ConfigSchema.parse({
    userPool: { issuer: `${ld.origin}/us-east-1_LocalPool`, clientId: 'localclient', domain: ld.origin },
    identityPool: { id: ld.identityPoolId, region: ld.region, endpoint: ld.origin, allowGuest: true },
    redirectUri: 'app.scrubin:/callback',
    logoutUri: 'app.scrubin:/signed-out',
  });
  const provider = createCredentialsProvider({
    config,
    idTokens: { current: () => null, refresh: () => Promise.reject(new Error('no user')) },
    cacheDir,
    gate: () => 'open',
    sleep: () => Promise.resolve(),
  });
  await provider.startGuest();
  return provider;
}

/** How a sync ended, as the engine reports it. */
export type SyncEnd = Extract<SyncEvent, { type: 'synced' } | { type: 'sync-failed' }>;

/** Records an engine's events (pass `record` as its `onEvent`) and resolves waiters registered before the action. */
export class SyncEventLog {
  readonly all: SyncEvent[] = [];
  private readonly waiters: { pred: (e: SyncEvent) => boolean; resolve: (e: SyncEvent) => void }[] = [];

  readonly record = (event: SyncEvent): void => {
    this.all.push(event);
    for (const w of this.waiters.splice(0)) {
      if (w.pred(event)) w.resolve(event);
      else this.waiters.push(w);
    }
  };

  /** Resolves on the next event matching `pred`. */
  next(pred: (e: SyncEvent) => boolean): Promise<SyncEvent> {
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** Resolves with the end of the next sync that starts for `reason`. */
  endOf(reason: SyncReason): Promise<SyncEnd> {
    let started = false;
    return new Promise((resolve) =>
      this.waiters.push({
        pred: (e) => {
          if (e.type === 'sync-start' && e.reason === reason) started = true;
          return started && (e.type === 'synced' || e.type === 'sync-failed');
        },
        resolve: (e) => resolve(e as SyncEnd),
      }),
    );
  }
}

/** The identity's cache file as the engine last wrote it (a damaged or missing one fails the test). */
export async function readCache(cacheDir: string, identityId: string): Promise<CacheFile> {
  const load = await loadCacheFile(cacheDir, identityId);
  if (load.problem) throw new Error(`the settings cache is ${load.problem}`);
  return load.file;
}

/** Records changed on this terminal and not yet pushed. */
export const pendingChanges = (file: CacheFile): number =>
  Object.values(file.datasets).reduce((n, d) => n + Object.values(d.records).filter((r) => r.dirty).length, 0);

export const T0 = Date.UTC(2026, 2, 2, 7, 0, 0);

/** One sync engine as a terminal uses it, with what it reported. */
export interface SyncTerminal {
  sync: SettingsSync;
  clock: ManualClock;
  cacheDir: string;
  log: SyncEventLog;
  events: SyncEvent[];
  sleeps: number[];
  changes: SettingsChange[];
  conflicts: [RecordView, RecordView][];
  identityId: string;
  /** Syncs now through the port (`reconnected()`) and resolves with how that sync ended. */
  syncNow(): Promise<SyncEnd>;
}

export interface TerminalExtra {
  onConflict?: ConflictHandler;
  limits?: Partial<SyncLimits>;
  afterPull?: (dataset: string) => Promise<void>;
  /** Where this terminal's clock starts (default T0). */
  startAt?: number;
}

/** Terminals against one local DynamoDB whose guest role has the table (the stand-in's default refuses guests). */
export class SyncBench {
  private readonly providers: CredentialsProvider[] = [];
  private readonly engines: SettingsSync[] = [];

  private constructor(readonly ld: LocalDynamoDb) {}

  static async start(): Promise<SyncBench> {
    return new SyncBench(await startLocalDynamoDb({ allowGuests: true }));
  }

  stop(): Promise<void> {
    return this.ld.stop();
  }

  async cleanup(): Promise<void> {
    this.ld.clearFaults();
    for (const e of this.engines.splice(0)) await e.close({ flush: false });
    for (const p of this.providers.splice(0)) p.close();
  }

  /** A guest session; providers sharing `awsDir` share the guest identity (the same person on two terminals). */
  async guest(awsDir: string): Promise<CredentialsProvider> {
    const provider = await guestProvider(this.ld, awsDir);
    this.providers.push(provider);
    return provider;
  }

  async terminal(provider: CredentialsProvider, deviceId: string, extra: TerminalExtra = {}): Promise<SyncTerminal> {
    const clock = new ManualClock(extra.startAt ?? T0);
    const cacheDir = await mkdtemp(join(tmpdir(), `scrubin-sync-${deviceId}-`));
    const log = new SyncEventLog();
    const sleeps: number[] = [];
    const changes: SettingsChange[] = [];
    const conflicts: [RecordView, RecordView][] = [];
    const hook = extra.onConflict;
    const sync = createSettingsSync({
      cacheDir,
      credentials: () => provider.getCredentials(),
      region: this.ld.region,
      endpoint: this.ld.origin,
      clock,
      deviceId,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
      retry: { maxAttempts: 3 },
      onEvent: log.record,
      // Without a hook the default policy (server order) decides.
      ...(hook
        ? {
            onConflict: async (local: RecordView, remote: RecordView) => {
              conflicts.push([local, remote]);
              return hook(local, remote);
            },
          }
        : {}),
      ...(extra.limits ? { limits: extra.limits } : {}),
      ...(extra.afterPull ? { afterPull: extra.afterPull } : {}),
    });
    this.engines.push(sync);
    sync.subscribe((c) => changes.push(c));
    const identityId = (await provider.getCredentials()).identityId;
    const syncNow = (): Promise<SyncEnd> => {
      const end = log.endOf('reconnect');
      sync.reconnected();
      return end;
    };
    return { sync, clock, cacheDir, log, events: log.all, sleeps, changes, conflicts, identityId, syncNow };
  }
}

/** Opens the terminal and waits for its sign-in sync, which must succeed. */
export async function openAndSettle(t: SyncTerminal): Promise<void> {
  const end = t.log.endOf('open');
  await t.sync.open(t.identityId);
  expect(await end).toMatchObject({ type: 'synced' });
}

/** Every setting of a dataset, read through the port (the keys are taken from the cache file). */
export async function values(t: SyncTerminal, dataset = 'prefs'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of Object.keys((await readCache(t.cacheDir, t.identityId)).datasets[dataset]?.records ?? {})) {
    const value = t.sync.get(dataset, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export const pending = async (t: SyncTerminal): Promise<number> => pendingChanges(await readCache(t.cacheDir, t.identityId));
