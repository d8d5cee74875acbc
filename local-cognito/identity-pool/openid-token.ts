/**
 * Cognito OpenID tokens (GetOpenIdToken): RS256 JWTs from `https://cognito-identity.amazonaws.com`
 * with `aud` = the identity pool id, `sub` = the identity id, `amr` saying how the identity signed
 * in, valid 10 minutes. Signed with a key pair generated when the pool starts (lazily, once).
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { VerifiedLogin } from './types';

export const OPENID_TOKEN_ISSUER = 'https://cognito-identity.amazonaws.com';
const LIFETIME_SECONDS = 600;

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export class OpenIdTokenSigner {
  private keys?: Promise<{ privateKey: SigningKey; publicJwk: JWK }>;
  private readonly kid: string;

  constructor(
    private readonly identityPoolId: string,
    region: string,
    private readonly now: () => number,
  ) {
    this.kid = `${region}-local-1`;
  }

  private material(): Promise<{ privateKey: SigningKey; publicJwk: JWK }> {
    this.keys ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      const publicJwk = { ...(await exportJWK(publicKey)), kid: this.kid, alg: 'RS256', use: 'sig' };
      return { privateKey, publicJwk };
    })();
    return this.keys;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [(await this.material()).publicJwk] };
  }

  async sign(identityId: string, logins: readonly VerifiedLogin[]): Promise<string> {
    const { privateKey } = await this.material();
    const amr =
      logins.length === 0
        ? ['unauthenticated']
        : ['authenticated', ...logins.flatMap((l) => [l.provider.loginsKey, `${l.provider.loginsKey}:CognitoSignIn:${l.sub}`])];
    const iat = Math.floor(this.now() / 1000);
    return new SignJWT({ amr })
      .setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWS' })
      .setIssuer(OPENID_TOKEN_ISSUER)
      .setAudience(this.identityPoolId)
      .setSubject(identityId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + LIFETIME_SECONDS)
      .sign(privateKey);
  }
}
