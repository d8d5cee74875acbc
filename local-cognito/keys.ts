/**
 * Signing keys of the stand-in pool. Like a real Cognito pool, the ID token and the access token
 * are signed with different key ids and both are published in the JWKS.
 *
 * Rotation (admin `rotateSigningKeys()`): a new pair is put first and used for new tokens; the
 * previous pairs stay in the JWKS so tokens already handed out still verify (Cognito publishes its
 * keys long-term and never drops a key that signed live tokens).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';

export interface SigningKeyPair {
  /** Private JWK (with kid, alg, use) signing ID tokens. */
  id: JsonWebKey & { kid: string };
  /** Private JWK signing access tokens. */
  access: JsonWebKey & { kid: string };
}

function rsaKey(purpose: 'id' | 'access'): JsonWebKey & { kid: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `${purpose}-${randomUUID()}`, alg: 'RS256', use: 'sig' };
}

export function newKeyPair(): SigningKeyPair {
  return { id: rsaKey('id'), access: rsaKey('access') };
}

/** Newest pair first; the ID key of the newest pair is the first RS256 key (what oidc-provider signs ID tokens with). */
export class KeyRing {
  private pairs: SigningKeyPair[] = [newKeyPair()];

  get current(): SigningKeyPair {
    const first = this.pairs[0];
    if (!first) throw new Error('key ring is empty');
    return first;
  }

  rotate(): SigningKeyPair {
    this.pairs = [newKeyPair(), ...this.pairs];
    return this.current;
  }

  /** Private keys in signing-preference order, for oidc-provider's `jwks`. */
  privateJwks(): { keys: JsonWebKey[] } {
    return { keys: this.pairs.flatMap((p) => [p.id, p.access]) };
  }

  /** Public parts (what `/.well-known/jwks.json` serves). */
  publicJwks(): { keys: JsonWebKey[] } {
    return {
      keys: this.pairs.flatMap((p) => [p.id, p.access]).map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use })),
    };
  }
}
