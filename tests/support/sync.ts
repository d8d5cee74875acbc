/**
 * For the settings-sync tests: guest credentials from the standalone local identity pool + DynamoDB front (a real
 * credentials provider, main/identity-pool, in a guest session; providers sharing `cacheDir` share the guest identity, the
 * same person on two terminals), and a log of the engine's events that tests wait on instead of the clock.
 */
import type { LocalDynamoDb } from '../../local-cognito/dynamodb/standalone';
import { createCredentialsProvider, type CredentialsProvider } from '../../main/identity-pool';
import { ConfigSchema } from '../../main/config/schema';
import type { SyncEvent, SyncReason } from '../../main/sync';
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
