/**
 * Discovery of the user pool's OpenID configuration (openid-client `discovery`), cached in memory and
 * in `<cacheDir>/discovery.json` with a TTL. A warm start serves the cached document without any
 * round trip; a stale one is served at once and revalidated in the background (stale-while-revalidate).
 * The file is validated with zod on read: a corrupted or truncated file is ignored and rewritten.
 * Every endpoint of a document, from disk or network, must sit on the issuer's origin or the configured
 * managed-login domain: a document that points token traffic anywhere else is refused (a poisoned cache file
 * is set aside and the document fetched once from the network; a poisoned network answer is an error).
 */
import path from 'node:path';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { Clock } from '../clock';
import { ScrubInError } from '../errors';
import { allowsInsecure, trustedOrigins, untrustedEndpoint } from './endpoint-pinning';
import { isTransient, mapDiscoveryError, mapTransportError } from './map-error';
import { readJsonFile, writeJsonFile } from '../lib';
import { SingleFlight, withRetry, type RetryPolicy, type Sleep } from '../lib';

export { allowsInsecure, PINNED_ENDPOINTS, untrustedEndpoint } from './endpoint-pinning';

export const DISCOVERY_FILE = 'discovery.json';

const endpoint = z.url({ protocol: /^https?$/ });

/** The fields the core relies on; others are kept as they are. */
export const ServerMetadataSchema = z.looseObject({
  issuer: z.string().min(1),
  authorization_endpoint: endpoint,
  token_endpoint: endpoint,
  jwks_uri: endpoint,
  revocation_endpoint: endpoint.optional(),
  end_session_endpoint: endpoint.optional(),
  userinfo_endpoint: endpoint.optional(),
});

const CacheFileSchema = z.strictObject({
  version: z.literal(1),
  issuer: z.string(),
  fetchedAt: z.number().int().nonnegative(),
  metadata: ServerMetadataSchema,
});

export type DiscoverySource = 'memory' | 'disk' | 'network';

export interface DiscoveryOptions {
  issuer: string;
  /** The configured managed-login domain: with the issuer's origin, the only origins an endpoint may be on. */
  domain: string;
  clientId: string;
  cacheDir: string;
  clock: Clock;
  ttlMs: number;
  fetch: oidc.CustomFetch;
  retry: RetryPolicy;
  random: () => number;
  sleep: Sleep;
  /** Each discovery request is cut after this long (default 15 s, the sign-in core's request timeout). */
  timeoutSeconds?: number;
  /** Reports where metadata came from and background revalidation failures. */
  onEvent?: (
    event:
      | { type: 'discovery'; source: DiscoverySource; stale: boolean }
      | { type: 'discovery-refresh-failed'; reason: string }
      | { type: 'discovery-untrusted'; source: 'disk' | 'network'; endpoint: string },
  ) => void;
}

interface Entry {
  metadata: oidc.ServerMetadata;
  fetchedAt: number;
}

export class DiscoveryCache {
  private memory: Entry | undefined;
  private diskChecked = false;
  private readonly flight = new SingleFlight<Entry>();
  private background: Promise<void> | undefined;
  readonly file: string;
  private readonly trustedOrigins: ReadonlySet<string>;

  constructor(private readonly options: DiscoveryOptions) {
    this.file = path.join(options.cacheDir, DISCOVERY_FILE);
    this.trustedOrigins = trustedOrigins(options.issuer, options.domain);
  }

  private isStale(entry: Entry): boolean {
    const age = this.options.clock.now() - entry.fetchedAt;
    // A fetch time in the future (clock moved back) is treated as stale too.
    return age < 0 || age >= this.options.ttlMs;
  }

  /** The server metadata: from memory or disk when present (revalidating in the background when stale), else fetched. */
  async metadata(): Promise<oidc.ServerMetadata> {
    if (!this.memory && !this.diskChecked) {
      this.diskChecked = true;
      const disk = await readJsonFile(this.file, CacheFileSchema);
      const untrusted = disk ? untrustedEndpoint(disk.metadata, this.trustedOrigins) : null;
      if (untrusted) this.options.onEvent?.({ type: 'discovery-untrusted', source: 'disk', endpoint: untrusted });
      if (disk && !untrusted && disk.issuer === this.options.issuer && disk.metadata.issuer === this.options.issuer) {
        this.memory ??= { metadata: disk.metadata as oidc.ServerMetadata, fetchedAt: disk.fetchedAt };
        const stale = this.isStale(this.memory);
        this.options.onEvent?.({ type: 'discovery', source: 'disk', stale });
        if (stale) void this.revalidate();
        return this.memory.metadata;
      }
    }
    if (this.memory) {
      const stale = this.isStale(this.memory);
      this.options.onEvent?.({ type: 'discovery', source: 'memory', stale });
      if (stale) void this.revalidate();
      return this.memory.metadata;
    }
    return (await this.refresh()).metadata;
  }

  /** Starts a background revalidation (one at a time); failures are reported, the cached copy stays. */
  revalidate(): Promise<void> {
    this.background ??= this.refresh()
      .then(
        () => undefined,
        (error: unknown) => {
          this.options.onEvent?.({ type: 'discovery-refresh-failed', reason: mapDiscoveryError(error).detail ?? 'discovery failed' });
        },
      )
      .finally(() => {
        this.background = undefined;
      });
    return this.background;
  }

  /** The background revalidation in progress, if any (tests and shutdown await it). */
  whenIdle(): Promise<void> {
    return this.background ?? Promise.resolve();
  }

  /** Fetches the document now (single-flight, bounded retries) and rewrites the cache file. */
  refresh(): Promise<Entry> {
    return this.flight.run(async () => {
      const { issuer, clientId } = this.options;
      const metadata = await withRetry(
        async () => {
          try {
            const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), {
              // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain http only for a loopback issuer (local-cognito)
              execute: allowsInsecure(issuer) ? [oidc.allowInsecureRequests] : [],
              [oidc.customFetch]: this.options.fetch,
              timeout: this.options.timeoutSeconds ?? 15,
            });
            return config.serverMetadata();
          } catch (error) {
            throw mapTransportError(error, 'discovery') ?? mapDiscoveryError(error);
          }
        },
        { policy: this.options.retry, random: this.options.random, sleep: this.options.sleep, retryable: isTransient },
      ).catch((error: unknown) => {
        throw mapDiscoveryError(error);
      });
      const checked = ServerMetadataSchema.safeParse(metadata);
      if (!checked.success) {
        throw mapDiscoveryError(Object.assign(new Error('discovery document lacks a required endpoint'), { code: 'OAUTH_INVALID_SERVER_METADATA' }));
      }
      const untrusted = untrustedEndpoint(checked.data, this.trustedOrigins);
      if (untrusted) {
        this.options.onEvent?.({ type: 'discovery-untrusted', source: 'network', endpoint: untrusted });
        throw new ScrubInError('endpoint_untrusted', { detail: `discovery document: ${untrusted} is not on the issuer's origin or the managed-login domain` });
      }
      const plain = JSON.parse(JSON.stringify(metadata)) as oidc.ServerMetadata;
      const entry: Entry = { metadata: plain, fetchedAt: this.options.clock.now() };
      this.memory = entry;
      this.diskChecked = true;
      await writeJsonFile(this.file, { version: 1, issuer, fetchedAt: entry.fetchedAt, metadata: plain }).catch(() => {
        // The in-memory copy still serves; the next start simply discovers again.
        this.options.onEvent?.({ type: 'discovery-refresh-failed', reason: 'discovery cache file could not be written' });
      });
      this.options.onEvent?.({ type: 'discovery', source: 'network', stale: false });
      return entry;
    });
  }
}
