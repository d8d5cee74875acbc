/**
 * Credentials held in main-process memory, per user + requested role (one entry for the guest): each has a
 * refresh point `Expiration - margin - jitter` (the jitter drawn once per process), one request per key is in
 * flight at a time, and still-valid credentials stand in for a refresh that failed for a passing reason.
 */
import { Flights } from '../lib';
import type { Clock } from '../clock';
import { ScrubInError } from '../errors';
import { userKeyPrefix } from './session';
import type { AwsCredentials } from './types';

interface Entry {
  creds: AwsCredentials;
  refreshAt: number;
  /** The user the entry belongs to; null for the guest. */
  sub: string | null;
}

/** Failures of a refresh after which still-valid cached credentials keep being served. */
const STALE_OK: ReadonlySet<string> = new Set(['throttled', 'server_error', 'network']);
/** Cached credentials are served after a failed refresh only while at least this much validity is left. */
const STALE_MIN_REMAINING_MS = 60_000;

export class CredentialsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Flights<string, AwsCredentials>();

  constructor(
    private readonly clock: Clock,
    private readonly marginMs: number,
    private readonly jitterMs: number,
  ) {}

  /** Whether anything is held or being fetched. */
  holds(): boolean {
    return this.entries.size > 0 || this.flights.size > 0;
  }

  /** The cached credentials of `key` while they are before their refresh point (and so not expired). */
  fresh(key: string): AwsCredentials | undefined {
    const entry = this.entries.get(key);
    const now = this.clock.now();
    return entry && now < entry.refreshAt && now < entry.creds.expiration ? entry.creds : undefined;
  }

  /**
   * The cached credentials of `key` to serve although their refresh failed with `error`: only for a passing
   * failure (throttling, 5xx, network) and while a minute or more of validity is left; the next call tries again.
   */
  fallback(key: string, error: unknown): { creds: AwsCredentials; code: string } | undefined {
    const entry = this.entries.get(key);
    if (!entry || !(error instanceof ScrubInError) || !STALE_OK.has(error.code)) return undefined;
    return this.clock.now() < entry.creds.expiration - STALE_MIN_REMAINING_MS ? { creds: entry.creds, code: error.code } : undefined;
  }

  /** The fetch in flight for `key`, or a new one from `start`: concurrent callers share one request. */
  flight(key: string, start: () => Promise<AwsCredentials>): Promise<AwsCredentials> {
    return this.flights.run(key, start);
  }

  store(key: string, creds: AwsCredentials, sub: string | null): void {
    const now = this.clock.now();
    let refreshAt = creds.expiration - this.marginMs - this.jitterMs;
    // Short-lived credentials (or a skewed clock): refresh at half life rather than on every call.
    if (refreshAt <= now) refreshAt = now + Math.floor((creds.expiration - now) / 2);
    this.entries.set(key, { creds, refreshAt, sub });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every entry and fetch of the user `sub`. */
  forgetUser(sub: string): void {
    for (const [key, entry] of this.entries) if (entry.sub === sub) this.entries.delete(key);
    this.flights.forget((key) => key.startsWith(userKeyPrefix(sub)));
  }

  clear(): void {
    this.entries.clear();
    this.flights.forget();
  }
}
