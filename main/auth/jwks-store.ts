/**
 * The user pool's public signing keys, kept off the critical path: persisted beside the discovery cache
 * (public data, zod-validated on read, bounded by the same TTL) and prefetched while the person is typing
 * in the browser, so that completing a sign-in, a refresh or a warm start needs no JWKS round trip.
 * A token signed with a key we do not hold still triggers exactly one fresh fetch (see user-pool-auth.ts `client()`).
 */
import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../clock';
import { readJsonFile, writeJsonFile } from '../lib';

const JwkSchema = z.looseObject({ kty: z.string(), kid: z.string().optional() });
const JwksFileSchema = z.strictObject({
  version: z.literal(1),
  jwksUri: z.string(),
  fetchedAt: z.number(),
  jwks: z.strictObject({ keys: z.array(JwkSchema).min(1).max(100) }),
});

export type Jwks = z.infer<typeof JwksFileSchema>['jwks'];

export class JwksStore {
  private readonly file: string;
  private keys: { jwksUri: string; fetchedAt: number; jwks: Jwks } | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    cacheDir: string,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly fetchFn: (url: string) => Promise<Response>,
    /** A failed write of the keys file (the keys held in memory still serve; the next start fetches them again). */
    private readonly onWriteFailed: () => void = () => undefined,
  ) {
    this.file = path.join(cacheDir, 'jwks.json');
  }

  /** Keys for `jwksUri` if we hold fresh ones (memory first, then the file). */
  async current(jwksUri: string): Promise<Jwks | undefined> {
    if (!this.keys) {
      const stored = await readJsonFile(this.file, JwksFileSchema);
      if (stored) this.keys = stored;
    }
    const keys = this.keys;
    if (!keys || keys.jwksUri !== jwksUri || this.clock.now() - keys.fetchedAt > this.ttlMs || keys.fetchedAt > this.clock.now() + 60_000) return undefined;
    return keys.jwks;
  }

  /** Records keys that openid-client fetched itself (e.g. after a rotation). */
  async remember(jwksUri: string, jwks: { keys: readonly unknown[] }): Promise<void> {
    const parsed = JwksFileSchema.shape.jwks.safeParse(jwks);
    if (!parsed.success) return;
    const same = this.keys?.jwksUri === jwksUri && JSON.stringify(this.keys.jwks) === JSON.stringify(parsed.data);
    this.keys = { jwksUri, fetchedAt: same && this.keys ? this.keys.fetchedAt : this.clock.now(), jwks: parsed.data };
    if (!same) await writeJsonFile(this.file, { version: 1, ...this.keys }).catch(this.onWriteFailed);
  }

  /** Fetches the keys in the background when none are held; failures are left to the normal path. */
  prefetch(jwksUri: string): Promise<void> {
    this.loading ??= (async () => {
      if (await this.current(jwksUri)) return;
      const response = await this.fetchFn(jwksUri);
      if (!response.ok) return;
      await this.remember(jwksUri, (await response.json()) as { keys: unknown[] });
    })()
      .catch(() => undefined)
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
