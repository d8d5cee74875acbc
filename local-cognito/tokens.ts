/**
 * Cognito's token shapes on top of oidc-provider (which would otherwise issue its own):
 *
 * - access token: a JWT with header `{kid, alg}` only (no `typ: at+jwt`) and no `aud`; `client_id`,
 *   `origin_jti`, `event_id`, `token_use`, `scope`, `auth_time`, `jti` (a UUID), `username`, `cognito:groups`;
 * - ID token: `jti` (a UUID), `origin_jti` and `event_id` (the same as in the access token of the same
 *   sign-in), `auth_time` (kept on refresh) and `at_hash` also in token-endpoint responses;
 * - refresh token: opaque to the client but shaped like Cognito's, a JWE in compact form (five base64url
 *   parts, header `{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`, about 1.7 KB);
 * - `origin_jti` is the grant id, so grant ids are UUIDs: one grant per sign-in and its refreshes.
 *
 * Sources: Cognito developer guide ("Understanding the access token", "... the identity (ID) token") and
 * real Cognito tokens published in prifina/app-desktop (packages/desktop-app/src/xutils/lib/mocks/authModels.js).
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import Provider, { type AccessTokenInstance, type IdTokenInstance } from 'oidc-provider';
import type { KeyRing } from './keys';
import { groupClaims, type DemoUser } from './seed';

export interface TokenShapeDeps {
  issuer: string;
  keys: KeyRing;
  /** Enabled users by sub. */
  findUser(sub: string): DemoUser | undefined;
}

const JWE_HEADER = Buffer.from(JSON.stringify({ cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' })).toString('base64url');

/**
 * A refresh-token value in the shape of Cognito's: header, RSA-OAEP encrypted key (256 bytes), GCM IV (12),
 * ciphertext (Cognito's is about 970 bytes; varied a little here, as a real payload varies), tag (16).
 */
export function jweShapedToken(): string {
  const part = (n: number) => randomBytes(n).toString('base64url');
  return [JWE_HEADER, part(256), part(12), part(940 + randomInt(60)), part(16)].join('.');
}

/** The sign-in's `event_id`: a UUID derived from its grant, so every token of one sign-in carries the same one. */
export function eventIdOf(grantId: string): string {
  const h = createHash('sha256').update(`event_id:${grantId}`).digest('hex');
  const variant = ((Number.parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

export function shapeTokensLikeCognito(provider: Provider, deps: TokenShapeDeps): void {
  const signingKeys = new Map<string, Promise<SigningKey>>();
  const signingKey = (jwk: JWK & { kid: string }): Promise<SigningKey> => {
    let key = signingKeys.get(jwk.kid);
    if (!key) {
      key = importJWK(jwk, 'RS256');
      signingKeys.set(jwk.kid, key);
    }
    return key;
  };
  /** Access-token values by token, for `at_hash` in the ID token of the same response. */
  const accessValues = new WeakMap<object, string>();

  provider.Grant.prototype.generateTokenId = () => randomUUID();
  provider.RefreshToken.prototype.generateTokenId = () => jweShapedToken();

  const access = provider.AccessToken.prototype;
  access.generateTokenId = function cognitoJti(this: AccessTokenInstance) {
    this.format = 'opaque';
    return randomUUID();
  };
  // The value is Cognito's JWT; nothing is stored (the grant is what userInfo and revocation check).
  access.getValueAndPayload = async function cognitoAccessToken(this: AccessTokenInstance) {
    const user = this.accountId ? deps.findUser(this.accountId) : undefined;
    if (!user || !this.grantId) throw new Error('access token without an enabled user or a grant');
    const entities = Provider.ctx?.oidc.entities;
    const source = (entities?.RefreshToken ?? entities?.AuthorizationCode) as { authTime?: number } | undefined;
    const iat = this.iat ?? Math.floor(Date.now() / 1000);
    const groups = groupClaims(user)['cognito:groups'];
    const claims = {
      sub: user.sub,
      ...(groups.length > 0 ? { 'cognito:groups': groups } : {}),
      iss: deps.issuer,
      client_id: this.clientId,
      origin_jti: this.grantId,
      event_id: eventIdOf(this.grantId),
      token_use: 'access',
      ...(this.scope ? { scope: this.scope } : {}),
      ...(source?.authTime !== undefined ? { auth_time: source.authTime } : {}),
      exp: iat + this.expiration,
      iat,
      jti: this.jti,
      username: user.username,
    };
    const jwk = deps.keys.current.access as JWK & { kid: string };
    const value = await new SignJWT(claims).setProtectedHeader({ kid: jwk.kid, alg: 'RS256' }).sign(await signingKey(jwk));
    accessValues.set(this, value);
    return { value };
  };

  const idToken = provider.IdToken.prototype;
  const issue = idToken.issue;
  idToken.issue = async function issueCognitoIdToken(this: IdTokenInstance, options) {
    if (options?.use === 'idtoken') {
      const at = this.ctx?.oidc.entities.AccessToken as (AccessTokenInstance & object) | undefined;
      const atValue = at ? accessValues.get(at) : undefined;
      if (atValue) this.set('at_hash', atValue);
      if (typeof this.available.auth_time === 'number') this.set('auth_time', this.available.auth_time);
      if (at?.grantId) {
        this.set('origin_jti', at.grantId);
        this.set('event_id', eventIdOf(at.grantId));
      }
      this.set('jti', randomUUID());
    }
    return issue.call(this, options);
  };
}
