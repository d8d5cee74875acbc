/**
 * One person's open settings: the cache file in memory, their DynamoDB client, cache writes one after
 * another, whether the session still runs, and the credentials of this identity (with the leaving
 * person's last ones standing in during the final flush at sign-out).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RetryPolicy } from '../lib';
import type { Clock } from '../clock';
import { ScrubInError, isScrubInError } from '../errors';
import { removeCacheFileNow, saveCacheFile, type CacheFile } from './cache';
import { Remote } from './remote';
import type { SyncCredentials, SyncEvent } from './types';

export interface SyncClient {
  send: DynamoDBClient['send'];
  destroy?: () => void;
}

/** Work that outlived its session (sign-out or switch meanwhile) stops with this; it is reported nowhere. */
export class SessionEnded extends ScrubInError {
  constructor() {
    super('signed_out', { detail: 'settings sync: the session ended during the operation' });
  }
}

export interface SessionDeps {
  cacheDir: string;
  clock: Clock;
  credentials: () => Promise<SyncCredentials>;
  createClient: (credentials: () => Promise<SyncCredentials>) => SyncClient;
  tableName: string;
  retry: RetryPolicy;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  requestTimeoutMs: number;
  emit: (event: SyncEvent) => void;
}

/** How long the leaving person's last credentials must still be valid to be used for the final flush. */
const LAST_CREDENTIALS_MARGIN_MS = 60_000;

export class Session {
  readonly client: SyncClient;
  readonly remote: Remote;
  /** True while `close` pushes the person's last changes (their last credentials may stand in for a closed gate). */
  flushing = false;
  /** Per dataset: the token of a push this session began and has not yet seen end (`endWrite` is retried). */
  readonly unfinished = new Map<string, string>();
  /** open -> ending (close past its flush: nothing new starts) -> closed (nothing runs, nothing is written). */
  private state: 'open' | 'ending' | 'closed' = 'open';
  /** The cache file was removed (shared terminal, sign-out): it is never written again; the changes live in memory only. */
  private dropped = false;
  /** Aborts the requests in flight when the session ends. */
  private readonly abort = new AbortController();
  /** The last credentials the provider gave for this identity (main-process memory only), for the final flush. */
  private lastCreds: SyncCredentials | null = null;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly identityId: string,
    readonly file: CacheFile,
    private readonly deps: SessionDeps,
  ) {
    this.client = deps.createClient(() => this.credentials());
    this.remote = new Remote({
      client: this.client,
      tableName: deps.tableName,
      retry: deps.retry,
      random: deps.random,
      sleep: deps.sleep,
      onRetry: (operation, attempt, delayMs, reason) => deps.emit({ type: 'retry', operation, attempt, delayMs, reason }),
      alive: () => this.alive(),
      signal: this.abort.signal,
      clock: deps.clock,
      requestTimeoutMs: deps.requestTimeoutMs,
    });
  }

  get ending(): boolean {
    return this.state !== 'open';
  }

  /** Throws `SessionEnded` once the session is past its final flush. */
  alive(): void {
    if (this.state !== 'open') throw new SessionEnded();
  }

  /**
   * Credentials for this session's requests. During the final flush at sign-out the terminal has
   * usually closed its credentials gate already (`signed_out` / `locked`): the leaving person's last
   * credentials, if still valid for a minute, push their own pending changes one last time.
   */
  async credentials(): Promise<SyncCredentials> {
    const last = this.lastCreds;
    // The final flush never asks the provider again when it can help it: the next person may be signing in.
    if (this.flushing && last && last.expiration - this.deps.clock.now() > LAST_CREDENTIALS_MARGIN_MS) return last;
    try {
      const c = await this.deps.credentials();
      if (c.identityId !== this.identityId) {
        throw new ScrubInError('not_authorized', { detail: 'settings sync: the AWS credentials belong to another identity than the open settings' });
      }
      this.lastCreds = c;
      return c;
    } catch (error) {
      const last = this.lastCreds;
      const gateClosed = isScrubInError(error, 'signed_out') || isScrubInError(error, 'locked');
      if (this.flushing && gateClosed && last && last.expiration - this.deps.clock.now() > LAST_CREDENTIALS_MARGIN_MS) return last;
      throw error;
    }
  }

  /**
   * Removes the cache file now, synchronously (sign-out on a shared terminal: gone before the screen says signed
   * out), and writes it never again. A write already under way is undone by `finish`.
   */
  dropCache(): void {
    this.dropped = true;
    removeCacheFileNow(this.deps.cacheDir, this.identityId);
  }

  /** Writes the cache file after any write still under way; nothing once the session is closed or its file dropped. */
  save(): Promise<void> {
    const next = this.writes
      .catch(() => undefined)
      .then(async () => {
        if (this.state === 'closed' || this.dropped) return;
        try {
          await saveCacheFile(this.deps.cacheDir, this.file);
        } catch (error) {
          this.deps.emit({ type: 'cache-write-failed', identityId: this.identityId });
          throw new ScrubInError('internal', { detail: 'settings: the settings cache could not be written', cause: error });
        }
      });
    this.writes = next;
    return next;
  }

  /** Records changed here and not yet pushed. */
  pendingChanges(): number {
    let n = 0;
    for (const d of Object.values(this.file.datasets)) {
      if (d.deleting) n++;
      for (const r of Object.values(d.records)) if (r.dirty) n++;
    }
    return n;
  }

  /** Nothing new starts, requests in flight are aborted, the last credentials are forgotten. */
  beginEnd(): void {
    this.state = 'ending';
    this.lastCreds = null;
    this.abort.abort();
  }

  /** After the running work has stopped: waits for the last cache write, then drops the client. */
  async finish(): Promise<void> {
    await this.writes.catch(() => undefined);
    this.state = 'closed';
    this.client.destroy?.();
  }
}
