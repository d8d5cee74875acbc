/**
 * The endpoints local-cognito serves itself rather than through oidc-provider, because Cognito's differ
 * from the standard ones: discovery (Cognito's field set), JWKS, `/oauth2/userInfo` (attributes by scope,
 * Cognito's statuses), `/oauth2/revoke` (refresh tokens only; the JWE-shaped refresh token is not a JWT to
 * refuse) and `/logout` (`client_id` + `logout_uri`, not RP-initiated logout).
 * Sources: Cognito developer guide, "The user attributes endpoint", "The token revocation endpoint",
 * "The logout endpoint"; docs/local-cognito.md for the discovery fields seen in real pools.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { z } from 'zod';
import { releasedAttributes } from './attributes';
import { expiredCookie, parseCookies, readBody, sendHtml, sendJson } from './http';
import type { KeyRing } from './keys';
import { errorPage } from './pages';
import type { DemoUser } from './seed';
import type { MemoryStore } from './store';
import { CLIENT_ID, LOGOUT_URI, PATHS, SCOPES } from './user-pool';

export interface CognitoEndpointDeps {
  origin: string;
  issuer: string;
  keys: KeyRing;
  store: MemoryStore;
  /** Users by sub, disabled ones included. */
  userBySub(sub: string): DemoUser | undefined;
}

export interface CognitoEndpoints {
  discovery(res: ServerResponse): void;
  jwks(res: ServerResponse): void;
  userInfo(req: IncomingMessage, res: ServerResponse): Promise<void>;
  revoke(req: IncomingMessage, res: ServerResponse): Promise<void>;
  logout(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void;
}

const AccessClaims = z.looseObject({
  sub: z.string(),
  token_use: z.literal('access'),
  client_id: z.string(),
  jti: z.string(),
  origin_jti: z.string(),
  scope: z.string().optional(),
});

const INVALID_TOKEN = 'Access token is expired, disabled, or deleted, or the user has globally signed out.';

/** An RFC 6750 challenge; Cognito's documented samples carry the same `error` and `error_description`. */
const challenge = (error: string, description: string) => ({ 'www-authenticate': `Bearer error="${error}", error_description="${description}"` });

/** A JWS (ID or access token): three parts with a decodable header. A JWE-shaped refresh token has five. */
function isJws(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    return typeof decodeProtectedHeader(token).alg === 'string';
  } catch {
    return false;
  }
}

export function createCognitoEndpoints(deps: CognitoEndpointDeps): CognitoEndpoints {
  const { origin, issuer, keys, store } = deps;

  const discoveryDocument = {
    authorization_endpoint: `${origin}${PATHS.authorize}`,
    end_session_endpoint: `${origin}${PATHS.logout}`,
    id_token_signing_alg_values_supported: ['RS256'],
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['code', 'token'],
    revocation_endpoint: `${origin}${PATHS.revoke}`,
    scopes_supported: [...SCOPES],
    subject_types_supported: ['public'],
    token_endpoint: `${origin}${PATHS.token}`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    userinfo_endpoint: `${origin}${PATHS.userinfo}`,
  };

  const userInfo = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const invalid = (description: string) => sendJson(res, 401, { error: 'invalid_token', error_description: description }, challenge('invalid_token', description));
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) {
      const description = 'Bad OAuth2 request at UserInfo Endpoint';
      sendJson(res, 400, { error: 'invalid_request', error_description: description }, challenge('invalid_request', description));
      return;
    }
    let claims: z.infer<typeof AccessClaims>;
    try {
      const { payload } = await jwtVerify(match[1], createLocalJWKSet(keys.publicJwks()), { issuer, algorithms: ['RS256'] });
      claims = AccessClaims.parse(payload);
    } catch {
      invalid(INVALID_TOKEN);
      return;
    }
    if (claims.client_id !== CLIENT_ID || !store.hasGrant(claims.origin_jti)) {
      invalid(INVALID_TOKEN);
      return;
    }
    if (!(claims.scope ?? '').split(' ').includes('openid')) {
      invalid('Access token does not contain openid scope');
      return;
    }
    const user = deps.userBySub(claims.sub);
    if (!user?.enabled) {
      invalid('User is disabled.');
      return;
    }
    const { email_verified: verified, ...attributes } = releasedAttributes(user, claims.scope);
    // userInfo gives booleans as strings, as Cognito does.
    sendJson(res, 200, { sub: user.sub, ...(verified === undefined ? {} : { email_verified: String(verified) }), ...attributes, username: user.username });
  };

  const revoke = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = new URLSearchParams(await readBody(req, 16 * 1024));
    const clientId = form.get('client_id');
    const token = form.get('token');
    if (clientId === null) {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'client_id is required' });
      return;
    }
    if (clientId !== CLIENT_ID) {
      sendJson(res, 401, { error: 'invalid_client' });
      return;
    }
    if (token === null || token === '') {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'token is required' });
      return;
    }
    if (isJws(token)) {
      sendJson(res, 400, { error: 'unsupported_token_type' });
      return;
    }
    const owner = store.refreshTokenOwner(token);
    // Unknown, expired or already revoked: 200 all the same.
    if (owner?.clientId === CLIENT_ID) store.revokeGrant(owner.grantId);
    res.writeHead(200, { 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
  };

  const logout = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void => {
    if (query.get('client_id') !== CLIENT_ID) {
      sendHtml(res, 400, errorPage('Sign-out failed', 'Invalid request: unknown client_id.'));
      return;
    }
    const logoutUri = query.get('logout_uri');
    let location: string;
    if (logoutUri !== null) {
      if (logoutUri !== LOGOUT_URI) {
        sendHtml(res, 400, errorPage('Sign-out failed', 'Invalid request: logout_uri is not a registered sign-out URL of this app client.'));
        return;
      }
      location = logoutUri;
    } else if (query.get('redirect_uri') !== null && query.get('response_type') !== null) {
      // The "sign out and sign in again" form: land on the login page through authorize.
      location = `${PATHS.authorize}?${new URLSearchParams(query).toString()}`;
    } else {
      sendHtml(res, 400, errorPage('Sign-out failed', 'Invalid request: logout_uri is required.'));
      return;
    }
    const sessionId = parseCookies(req.headers.cookie).get('cognito');
    if (sessionId) store.destroySessionByUid(sessionId);
    res.writeHead(302, {
      location,
      'cache-control': 'no-store',
      'set-cookie': ['cognito', 'cognito.sig'].map((n) => expiredCookie(n)),
      'content-length': 0,
    });
    res.end();
  };

  return {
    discovery: (res) => sendJson(res, 200, discoveryDocument, { 'cache-control': 'max-age=3600' }),
    jwks: (res) => sendJson(res, 200, keys.publicJwks(), { 'cache-control': 'max-age=3600' }),
    userInfo,
    revoke,
    logout,
  };
}
