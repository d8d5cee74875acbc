/**
 * Checks the ID tokens of a Logins map the way the identity pool does: the key must be one of
 * the pool's providers; the token must be an RS256 JWT whose `iss` is that provider's issuer, signed
 * by a key in the provider's JWKS (re-read once when the `kid` is unknown, which covers key
 * rotation), with an `aud` among the provider's client ids, `token_use` "id", and not expired
 * (5 minutes of clock skew allowed).
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { IdentityPoolError, MESSAGES, notAuthorized } from './errors';
import type { IdentityPoolProvider, VerifiedLogin } from './types';

const SKEW_SECONDS = 300;

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

interface ProviderKeys {
  byKid: Map<string, VerifyKey>;
  loading?: Promise<void>;
}

export interface LoginVerifier {
  /** Verifies every entry; resolves to them in the request's order, or throws the service error. */
  verifyAll(logins: Record<string, string> | undefined): Promise<VerifiedLogin[]>;
}

export function createLoginVerifier(providers: readonly IdentityPoolProvider[], now: () => number): LoginVerifier {
  const byKey = new Map(providers.map((p) => [p.loginsKey, p] as const));
  const keys = new Map<string, ProviderKeys>();

  async function reload(provider: IdentityPoolProvider, entry: ProviderKeys): Promise<void> {
    // Coalesce concurrent re-reads of the same provider.
    entry.loading ??= (async () => {
      let jwks: { keys: JsonWebKey[] };
      try {
        jwks = await provider.jwks();
      } catch {
        throw new IdentityPoolError('ExternalServiceException', 'Could not read the signing keys of the identity provider.');
      }
      const next = new Map<string, VerifyKey>();
      for (const jwk of Array.isArray(jwks.keys) ? jwks.keys : []) {
        const { kid, kty, use } = jwk as JWK;
        if (typeof kid !== 'string' || kty !== 'RSA' || (use !== undefined && use !== 'sig')) continue;
        try {
          next.set(kid, await importJWK(jwk as JWK, 'RS256'));
        } catch {
          // A malformed key in the set is skipped, as a verifier would.
        }
      }
      entry.byKid = next;
    })().finally(() => {
      entry.loading = undefined;
    });
    await entry.loading;
  }

  async function keyFor(provider: IdentityPoolProvider, kid: string): Promise<VerifyKey | undefined> {
    let entry = keys.get(provider.loginsKey);
    if (!entry) {
      entry = { byKid: new Map() };
      keys.set(provider.loginsKey, entry);
    }
    const cached = entry.byKid.get(kid);
    if (cached) return cached;
    await reload(provider, entry); // unknown kid: re-read once
    return entry.byKid.get(kid);
  }

  async function verifyOne(loginsKey: string, token: string): Promise<VerifiedLogin> {
    const provider = byKey.get(loginsKey);
    if (!provider) throw notAuthorized(MESSAGES.unsupportedProvider);

    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw notAuthorized(MESSAGES.notAToken);
    }
    if (claims.iss !== provider.issuer) throw notAuthorized(MESSAGES.issuerMismatch);
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') throw notAuthorized(MESSAGES.couldNotVerify);

    const key = await keyFor(provider, header.kid);
    if (!key) throw notAuthorized(MESSAGES.couldNotVerify);
    try {
      await compactVerify(token, key, { algorithms: ['RS256'] });
    } catch {
      throw notAuthorized(MESSAGES.couldNotVerify);
    }

    const aud = claims.aud;
    if (aud === undefined) throw notAuthorized(MESSAGES.missingClaim('aud'));
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.some((a) => provider.clientIds.includes(a))) throw notAuthorized(MESSAGES.badAudience);
    if (typeof claims.sub !== 'string' || claims.sub === '') throw notAuthorized(MESSAGES.missingClaim('sub'));
    if (typeof claims.exp !== 'number') throw notAuthorized(MESSAGES.missingClaim('exp'));
    const nowSeconds = Math.floor(now() / 1000);
    if (nowSeconds >= claims.exp + SKEW_SECONDS) throw notAuthorized(MESSAGES.expired(nowSeconds, claims.exp));
    if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + SKEW_SECONDS) throw notAuthorized(MESSAGES.notYetValid);
    if (claims.token_use !== 'id') throw notAuthorized(MESSAGES.notIdToken);

    return { provider, sub: claims.sub, claims };
  }

  return {
    async verifyAll(logins) {
      const entries = Object.entries(logins ?? {});
      const verified: VerifiedLogin[] = [];
      for (const [loginsKey, token] of entries) verified.push(await verifyOne(loginsKey, token));
      return verified;
    },
  };
}
