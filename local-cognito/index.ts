/**
 * local-cognito: an offline stand-in for an Amazon Cognito user pool (on oidc-provider) and identity
 * pool, served on 127.0.0.1 with Cognito's paths. This file is the HTTP front: it names every
 * endpoint, counts and fault-injects requests in one place, then hands them to oidc-provider, to the
 * managed-login page, to the Cognito-specific endpoints (discovery, userInfo, logout), to the
 * identity-pool handler or to the DynamoDB front of the settings table (dynamodb/).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { ConfigInput } from '../main/config/schema';
import { Controls, faultAnswers, isEndpointName, writeFault, FaultSchema, type EndpointName, type FaultInput } from './admin';
import { expiredCookie, parseCookies, readBody, sendHtml, sendJson } from './http';
import { createDynamoDbFront, dynamoDbEndpointOf, isDynamoDbRequest, type DynamoDbFront } from './dynamodb/index';
import { wireIdentityPool, type IdentityPool } from './identity';
import { KeyRing } from './keys';
import { errorPage, loginPage, PAGE_CSP } from './pages';
import { DEMO_USERS, type DemoUser } from './seed';
import { MemoryStore } from './store';
import {
  ACCESS_TOKEN_RESOURCE,
  CLIENT_ID,
  createUserPoolProvider,
  END_SESSION_PATH,
  idpBanner,
  LOGOUT_URI,
  newCookieKeys,
  PATHS,
  POOL_ID,
  REDIRECT_URI,
  SCOPES,
} from './user-pool';
import { z } from 'zod';

export { CLIENT_ID, LOGOUT_URI, POOL_ID, REDIRECT_URI } from './user-pool';
export { DEMO_PASSWORD, DEMO_USERS, type DemoUser } from './seed';
export { ENDPOINTS, type EndpointName, type FaultInput } from './admin';
export { SETTINGS_TABLE } from './dynamodb/index';

export const REGION = 'us-east-1';
export const IDENTITY_POOL_ID = 'us-east-1:7c1a9e4e-5c1b-4f3e-9a55-0d1c0ffee001';
export const LOGINS_KEY = `cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`;

export interface LocalCognitoOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Refresh-token rotation: off (default, as a Cognito app client without rotation) or on with a retry grace. */
  rotation?: false | { graceSeconds: number };
  /** Enables the `/__admin/*` HTTP controls and the in-process `admin` object. */
  admin?: boolean;
  /** Whether the identity pool allows guest (unauthenticated) identities. Default true. */
  allowGuest?: boolean;
  /** Clock for local-cognito's own time keeping (rotation grace, identity pool). Default Date.now. */
  now?: () => number;
  /**
   * Milliseconds every request waits before it is handled: an emulated network round trip (a terminal is never next
   * to Cognito). Default 0. For benchmarks; faults (`failNext` delays) come on top.
   */
  latencyMs?: number;
}

export interface LocalCognitoAdmin {
  /** Requests per endpoint name since start or the last reset. */
  counts(): Record<string, number>;
  resetCounts(): void;
  /** Makes the next `count` requests to `endpoint` fail (or be delayed, or have their socket destroyed). */
  failNext(endpoint: EndpointName, fault?: FaultInput): void;
  clearFaults(): void;
  /** Revokes every refresh token (grant) of the user and ends their managed-login sessions. Returns the grants revoked. */
  revokeUserSessions(username: string): number;
  disableUser(username: string): void;
  enableUser(username: string): void;
  /** New signing keys for new tokens; previous keys stay in the JWKS. Returns the new kids. */
  rotateSigningKeys(): { idTokenKid: string; accessTokenKid: string };
  /** Shifts local-cognito's clock (rotation grace, identity pool expiry) by `seconds`. */
  setClockOffset(seconds: number): void;
  /** local-cognito's current time in ms (after the offset). */
  now(): number;
}

export interface LocalCognito {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  issuer: string;
  poolId: string;
  clientId: string;
  identityPoolId: string;
  loginsKey: string;
  /** Scrub In configuration pointing at this instance (validates with ConfigSchema). */
  config: ConfigInput;
  /** The demo users of this instance (live: `disableUser` changes `enabled`). */
  users: DemoUser[];
  admin: LocalCognitoAdmin;
  stop(): Promise<void>;
}

const AccessClaims = z.looseObject({
  sub: z.string(),
  token_use: z.literal('access'),
  client_id: z.string(),
  jti: z.string(),
  origin_jti: z.string(),
});

export async function startLocalCognito(options: LocalCognitoOptions = {}): Promise<LocalCognito> {
  const rotation = options.rotation ?? false;
  if (rotation !== false && !(Number.isInteger(rotation.graceSeconds) && rotation.graceSeconds >= 0 && rotation.graceSeconds <= 60)) {
    throw new RangeError('rotation.graceSeconds must be an integer from 0 to 60 (Cognito RetryGracePeriodSeconds)');
  }
  const latencyMs = options.latencyMs ?? 0;
  if (!(Number.isInteger(latencyMs) && latencyMs >= 0 && latencyMs <= 5_000)) {
    throw new RangeError('latencyMs must be an integer from 0 to 5000');
  }
  const adminEnabled = options.admin === true;
  const allowGuest = options.allowGuest ?? true;
  const baseNow = options.now ?? Date.now;
  let offsetMs = 0;
  const now = (): number => baseNow() + offsetMs;

  const users: DemoUser[] = DEMO_USERS.map((u) => ({ ...u, groups: [...u.groups] }));
  const bySub = (sub: string) => users.find((u) => u.sub === sub);
  const byName = (username: string) => users.find((u) => u.username === username.trim().toLowerCase());

  const controls = new Controls();
  const keys = new KeyRing();
  const cookieKeys = newCookieKeys();
  const store = new MemoryStore({ now, graceSeconds: () => (rotation === false ? undefined : rotation.graceSeconds) });

  let origin = '';
  let issuer = '';
  let provider: Provider | undefined;
  /** Parts that need the port (known only once listening). */
  const late: { identity?: IdentityPool; dynamodb?: DynamoDbFront } = {};
  let providerCallback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const buildProvider = (): void => {
    provider = createUserPoolProvider({
      issuer,
      keys,
      store,
      cookieKeys,
      rotation,
      findUser: (sub) => {
        const u = bySub(sub);
        return u?.enabled ? u : undefined;
      },
    });
    provider.on('server_error', (_ctx: unknown, error: unknown) => {
      process.stderr.write(`local-cognito: oidc-provider server_error: ${error instanceof Error ? error.message : String(error)}\n`);
    });
    providerCallback = provider.callback();
  };

  const discovery = () => ({
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
  });

  const classify = (req: IncomingMessage, path: string): EndpointName | undefined => {
    const method = req.method ?? 'GET';
    if (path === PATHS.discovery) return 'discovery';
    if (path === PATHS.jwks) return 'jwks';
    if (path === PATHS.authorize) return 'authorize';
    if (path === PATHS.login) return 'login';
    if (path === PATHS.token) return 'token';
    if (path === PATHS.userinfo) return 'userinfo';
    if (path === PATHS.revoke) return 'revoke';
    if (path === PATHS.logout) return 'logout';
    // DynamoDB (the settings table): any path, as the SDK posts to the endpoint's root.
    const ddb = dynamoDbEndpointOf(req);
    if (ddb) return ddb;
    if (path === '/' && method === 'POST') {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith('AWSCognitoIdentityService.') ? target.slice('AWSCognitoIdentityService.'.length) : '';
      if (op === 'GetId' || op === 'GetCredentialsForIdentity' || op === 'GetOpenIdToken') return op;
    }
    return undefined;
  };

  // ---- Cognito-specific endpoints -------------------------------------------------------------

  const userInfo = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const invalid = (description: string) =>
      sendJson(res, 401, { error: 'invalid_token', error_description: description }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) {
      sendJson(res, 401, { error: 'invalid_request', error_description: 'Access token is missing' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    let claims: z.infer<typeof AccessClaims>;
    try {
      const { payload } = await jwtVerify(match[1], createLocalJWKSet(keys.publicJwks()), {
        issuer,
        algorithms: ['RS256'],
      });
      claims = AccessClaims.parse(payload);
    } catch {
      invalid('Invalid access token');
      return;
    }
    if (claims.client_id !== CLIENT_ID || !store.hasGrant(claims.origin_jti)) {
      invalid('Access token has been revoked');
      return;
    }
    const user = bySub(claims.sub);
    if (!user?.enabled) {
      invalid('User is disabled.');
      return;
    }
    sendJson(res, 200, { sub: user.sub, email_verified: 'true', email: user.email, name: user.name, username: user.username });
  };

  const logout = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void => {
    if (query.get('client_id') !== CLIENT_ID) {
      sendHtml(res, 400, errorPage('Sign-out failed', 'Invalid request: unknown client_id.'));
      return;
    }
    const logoutUri = query.get('logout_uri');
    const redirectUri = query.get('redirect_uri');
    let location: string;
    if (logoutUri !== null) {
      if (logoutUri !== LOGOUT_URI) {
        sendHtml(res, 400, errorPage('Sign-out failed', 'Invalid request: logout_uri is not a registered sign-out URL of this app client.'));
        return;
      }
      location = logoutUri;
    } else if (redirectUri !== null && query.get('response_type') !== null) {
      // The "sign out and sign in again" form: land on the login page through authorize.
      const next = new URLSearchParams(query);
      location = `${PATHS.authorize}?${next.toString()}`;
    } else {
      sendHtml(res, 400, errorPage('Sign-out failed', 'Invalid request: logout_uri is required.'));
      return;
    }
    const cookies = parseCookies(req.headers.cookie);
    const sessionId = cookies.get('cognito');
    if (sessionId) store.destroySessionByUid(sessionId);
    res.writeHead(302, {
      location,
      'cache-control': 'no-store',
      'set-cookie': ['cognito', 'cognito.sig'].map((n) => expiredCookie(n)),
      'content-length': 0,
    });
    res.end();
  };

  const pageHeaders = { 'content-security-policy': PAGE_CSP, 'referrer-policy': 'no-referrer' };

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!provider) throw new Error('provider not ready');
    const p = provider;
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await p.interactionDetails(req, res);
    } catch {
      sendHtml(res, 400, errorPage('Sign-in expired', 'This sign-in page has expired or was already used. Start the sign-in again from the app.'), pageHeaders);
      return;
    }
    const action = `${PATHS.login}?client_id=${CLIENT_ID}&uid=${encodeURIComponent(details.uid)}`;
    const banner = idpBanner(details.params);
    const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;

    if (details.prompt.name === 'consent') {
      // No consent screen in Cognito: grant what was asked (loadExistingGrant normally does this already).
      const accountId = details.session?.accountId;
      if (!accountId) throw new Error('consent without a session');
      const grant = new p.Grant({ clientId: CLIENT_ID, accountId });
      const scope = typeof details.params.scope === 'string' ? details.params.scope : 'openid';
      grant.addOIDCScope(scope);
      grant.addResourceScope(ACCESS_TOKEN_RESOURCE, scope);
      const grantId = await grant.save();
      await p.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }

    if (req.method === 'GET') {
      sendHtml(res, 200, loginPage({ uid: details.uid, action, banner, username: loginHint }), pageHeaders);
      return;
    }
    if (req.method !== 'POST') {
      sendHtml(res, 405, errorPage('Not allowed', 'Method not allowed.'), { ...pageHeaders, allow: 'GET, POST' });
      return;
    }
    const form = new URLSearchParams(await readBody(req, 16 * 1024));
    if (form.get('uid') !== details.uid) {
      sendHtml(res, 400, errorPage('Sign-in expired', 'This sign-in form does not belong to the sign-in in progress. Start again from the app.'), pageHeaders);
      return;
    }
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const user = byName(username);
    const again = (error: string) => sendHtml(res, 400, loginPage({ uid: details.uid, action, banner, username, error }), pageHeaders);
    if (!user || user.password !== password) {
      again('Incorrect username or password.');
      return;
    }
    if (!user.enabled) {
      again('User is disabled.');
      return;
    }
    await p.interactionFinished(req, res, { login: { accountId: user.sub, remember: true } }, { mergeWithLastSubmission: false });
  };

  // ---- admin -----------------------------------------------------------------------------------

  const requireUser = (username: string): DemoUser => {
    const u = byName(username);
    if (!u) throw new Error(`unknown demo user "${username}"`);
    return u;
  };

  const adminImpl: LocalCognitoAdmin = {
    counts: () => controls.counts(),
    resetCounts: () => controls.resetCounts(),
    failNext: (endpoint, fault) => {
      if (!isEndpointName(endpoint)) throw new Error(`unknown endpoint "${String(endpoint)}"`);
      controls.failNext(endpoint, fault);
    },
    clearFaults: () => controls.clearFaults(),
    revokeUserSessions: (username) => store.revokeAccount(requireUser(username).sub),
    disableUser: (username) => {
      requireUser(username).enabled = false;
    },
    enableUser: (username) => {
      requireUser(username).enabled = true;
    },
    rotateSigningKeys: () => {
      const pair = keys.rotate();
      buildProvider();
      return { idTokenKid: pair.id.kid, accessTokenKid: pair.access.kid };
    },
    setClockOffset: (seconds) => {
      if (!Number.isFinite(seconds)) throw new RangeError('seconds must be a finite number');
      offsetMs = seconds * 1000;
    },
    now,
  };

  const disabledAdmin = new Proxy(adminImpl, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return () => {
        throw new Error('local-cognito admin controls are disabled: start it with { admin: true } (CLI --admin)');
      };
    },
  });

  const UsernameBody = z.strictObject({ username: z.string().min(1).max(128) });
  const adminHttp = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (!adminEnabled) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    const action = path.slice('/__admin/'.length);
    if (req.method === 'GET' && action === 'counts') {
      sendJson(res, 200, adminImpl.counts());
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    let body: unknown = {};
    try {
      const text = await readBody(req, 16 * 1024);
      body = text ? JSON.parse(text) : {};
    } catch {
      sendJson(res, 400, { error: 'invalid_json' });
      return;
    }
    try {
      switch (action) {
        case 'reset-counts':
          adminImpl.resetCounts();
          sendJson(res, 200, {});
          return;
        case 'fail-next': {
          const parsed = FaultSchema.extend({ endpoint: z.string() }).parse(body);
          const { endpoint, ...fault } = parsed;
          if (!isEndpointName(endpoint)) throw new Error(`unknown endpoint "${endpoint}"`);
          adminImpl.failNext(endpoint, fault);
          sendJson(res, 200, {});
          return;
        }
        case 'clear-faults':
          adminImpl.clearFaults();
          sendJson(res, 200, {});
          return;
        case 'revoke-user-sessions':
          sendJson(res, 200, { revokedGrants: adminImpl.revokeUserSessions(UsernameBody.parse(body).username) });
          return;
        case 'disable-user':
          adminImpl.disableUser(UsernameBody.parse(body).username);
          sendJson(res, 200, {});
          return;
        case 'enable-user':
          adminImpl.enableUser(UsernameBody.parse(body).username);
          sendJson(res, 200, {});
          return;
        case 'rotate-signing-keys':
          sendJson(res, 200, adminImpl.rotateSigningKeys());
          return;
        case 'clock-offset':
          adminImpl.setClockOffset(z.strictObject({ seconds: z.number() }).parse(body).seconds);
          sendJson(res, 200, { now: adminImpl.now() });
          return;
        default:
          sendJson(res, 404, { error: 'not_found' });
      }
    } catch (error) {
      sendJson(res, 400, { error: 'invalid_request', error_description: error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message });
    }
  };

  // ---- the front -------------------------------------------------------------------------------

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    if (path === '/__admin' || path.startsWith('/__admin/')) {
      await adminHttp(req, res, path);
      return;
    }
    const endpoint = classify(req, path);
    if (endpoint) {
      controls.count(endpoint);
      const fault = controls.take(endpoint);
      if (fault) {
        if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        if (fault.reset) {
          req.socket.destroy();
          return;
        }
        if (faultAnswers(fault)) {
          req.resume();
          writeFault(res, endpoint, fault, { registeredRedirect: REDIRECT_URI, query: url.searchParams, html: errorPage });
          return;
        }
      }
    }
    const method = req.method ?? 'GET';
    if (isDynamoDbRequest(req)) {
      // Also the operations without an endpoint name (dynalite answers UnknownOperation / the policy refuses).
      if (!late.dynamodb) {
        req.resume();
        sendJson(res, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'local-cognito: DynamoDB is not available' });
        return;
      }
      await late.dynamodb.handle(req, res);
      return;
    }
    switch (endpoint) {
      case 'discovery':
        if (method !== 'GET') break;
        sendJson(res, 200, discovery(), { 'cache-control': 'max-age=3600' });
        return;
      case 'jwks':
        if (method !== 'GET') break;
        sendJson(res, 200, keys.publicJwks(), { 'cache-control': 'max-age=3600' });
        return;
      case 'userinfo':
        await userInfo(req, res);
        return;
      case 'logout':
        if (method !== 'GET') break;
        logout(req, res, url.searchParams);
        return;
      case 'login':
        await login(req, res);
        return;
      case 'GetId':
      case 'GetCredentialsForIdentity':
      case 'GetOpenIdToken':
        if (!late.identity) {
          const body = JSON.stringify({ __type: 'InternalErrorException', message: 'local-cognito: the identity pool is not available' });
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InternalErrorException:', 'content-length': Buffer.byteLength(body) });
          res.end(body);
          return;
        }
        await late.identity.handle(req, res);
        return;
      default:
        break;
    }
    const toProvider =
      (endpoint === 'authorize' && method === 'GET') ||
      (path.startsWith(`${PATHS.authorize}/`) && method === 'GET') ||
      ((endpoint === 'token' || endpoint === 'revoke') && method === 'POST') ||
      // Switching user over a live session: oidc-provider ends the old session first (auto-posted form).
      (path === `${END_SESSION_PATH}/confirm` && method === 'POST');
    if (toProvider && providerCallback) {
      providerCallback(req, res);
      return;
    }
    if (endpoint) {
      sendJson(res, 405, { error: 'invalid_request', error_description: 'method not allowed' });
      return;
    }
    sendJson(res, 404, { error: 'not_found' });
  };

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`local-cognito: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.destroy();
    });
  };
  const server: Server = createServer((req, res) => {
    if (latencyMs > 0) setTimeout(serve, latencyMs, req, res);
    else serve(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  issuer = `${origin}/${POOL_ID}`;
  buildProvider();

  late.identity = wireIdentityPool({
    identityPoolId: IDENTITY_POOL_ID,
    region: REGION,
    allowGuest,
    loginsKey: LOGINS_KEY,
    issuer,
    clientId: CLIENT_ID,
    keys,
    now,
  });
  const identity = late.identity;
  try {
    late.dynamodb = await createDynamoDbFront({
      region: REGION,
      now,
      describeCredentials: (accessKeyId) => identity.describeCredentials(accessKeyId),
    });
  } catch (error) {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    throw error;
  }
  const dynamodb = late.dynamodb;

  const config: ConfigInput = {
    userPool: { issuer, clientId: CLIENT_ID, domain: origin, scopes: ['openid', 'email', 'profile'] },
    identityPool: { id: IDENTITY_POOL_ID, region: REGION, endpoint: origin, allowGuest },
    redirectUri: REDIRECT_URI,
    logoutUri: LOGOUT_URI,
    terminal: { mode: 'shared', idleLockSeconds: 300, sessionCapHours: 12 },
    sync: { region: REGION, endpoint: origin, tableName: dynamodb.tableName },
  };

  let stopped: Promise<void> | undefined;
  return {
    origin,
    issuer,
    poolId: POOL_ID,
    clientId: CLIENT_ID,
    identityPoolId: IDENTITY_POOL_ID,
    loginsKey: LOGINS_KEY,
    config,
    users,
    admin: adminEnabled ? adminImpl : disabledAdmin,
    stop: () => {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await dynamodb.close();
      })();
      return stopped;
    },
  };
}
