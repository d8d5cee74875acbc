/**
 * local-cognito: an offline stand-in for an Amazon Cognito user pool (on oidc-provider) and identity
 * pool, served on 127.0.0.1 with Cognito's paths, plus DynamoDB (dynamodb/: the settings table, and the case-board
 * table with a demo schedule). This
 * file puts the parts together; routes.ts is the HTTP front, docs/local-cognito.md the guide (with the
 * fidelity table: where it matches Cognito, and what it does not imitate).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ConfigInput } from '../main/config/schema';
import { createAdmin, createAdminHttp, disabledAdmin, type LocalCognitoAdmin } from './admin';
import { resolveStrictness, type StrictOptions } from './authorize-rules';
import { createCognitoEndpoints } from './cognito-endpoints';
import { createDynamoDbFront } from './dynamodb/index';
import type { EndpointName } from './endpoints';
import { FaultBook } from './faults';
import { sendJson } from './http';
import { wireIdentityPool } from './identity';
import { KeyRing } from './keys';
import { closeServer, listenLoopback } from './listen';
import { createManagedLogin } from './managed-login';
import { createRoutes } from './routes';
import { DEMO_USERS, type DemoUser } from './seed';
import { MemoryStore } from './store';
import { CLIENT_ID, createUserPoolProvider, LOGOUT_URI, newCookieKeys, POOL_ID, REDIRECT_URI } from './user-pool';

export { CLIENT_ID, LOGOUT_URI, POOL_ID, REDIRECT_URI } from './user-pool';
export { DEMO_PASSWORD, DEMO_USERS, type DemoUser } from './seed';
export { ENDPOINTS, type EndpointName } from './endpoints';
export type { FaultInput } from './faults';
export type { LocalCognitoAdmin } from './admin';
export type { StrictOptions } from './authorize-rules';
export { CASES_TABLE, SETTINGS_TABLE } from './dynamodb/index';

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
  /**
   * Stricter than Cognito where a client might lean on leniency: `true` for all, or some of `pkce` (PKCE required),
   * `scope` (`scope` required), `openid` (`openid` required). Default: Cognito's behaviour (none of them).
   */
  strict?: boolean | StrictOptions;
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
  /**
   * The network to it goes down: it stops listening and drops every open connection (keep-alive included), so
   * clients get "connection refused" as from a stopped service. Its state (users, sessions, refresh tokens, the
   * settings and case-board tables) is kept for `listenAgain()`. In-process only: the admin HTTP controls are on
   * the same port.
   */
  stopListening(): Promise<void>;
  /** The network is back: listens again on the same port, with the same state. */
  listenAgain(): Promise<void>;
  stop(): Promise<void>;
}

function checkOptions(options: LocalCognitoOptions): void {
  const rotation = options.rotation ?? false;
  if (rotation !== false && !(Number.isInteger(rotation.graceSeconds) && rotation.graceSeconds >= 0 && rotation.graceSeconds <= 60)) {
    throw new RangeError('rotation.graceSeconds must be an integer from 0 to 60 (Cognito RetryGracePeriodSeconds)');
  }
  const latencyMs = options.latencyMs ?? 0;
  if (!(Number.isInteger(latencyMs) && latencyMs >= 0 && latencyMs <= 5_000)) {
    throw new RangeError('latencyMs must be an integer from 0 to 5000');
  }
}

export async function startLocalCognito(options: LocalCognitoOptions = {}): Promise<LocalCognito> {
  checkOptions(options);
  const rotation = options.rotation ?? false;
  const latencyMs = options.latencyMs ?? 0;
  const adminEnabled = options.admin === true;
  const allowGuest = options.allowGuest ?? true;
  const strict = resolveStrictness(options.strict);
  const baseNow = options.now ?? Date.now;
  let offsetMs = 0;
  const now = (): number => baseNow() + offsetMs;

  const users: DemoUser[] = DEMO_USERS.map((u) => ({ ...u, groups: [...u.groups] }));
  const userBySub = (sub: string) => users.find((u) => u.sub === sub);
  const userByName = (username: string) => users.find((u) => u.username === username.trim().toLowerCase());

  const book = new FaultBook<EndpointName>();
  const keys = new KeyRing();
  const cookieKeys = newCookieKeys();
  const store = new MemoryStore({ now, graceSeconds: () => (rotation === false ? undefined : rotation.graceSeconds) });

  // The front is put together once the port (and so the issuer) is known; until then requests get a 503.
  const front: { handle?: (req: IncomingMessage, res: ServerResponse) => Promise<void> } = {};
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const { handle } = front;
    if (!handle) {
      req.resume();
      sendJson(res, 503, { error: 'temporarily_unavailable' });
      return;
    }
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

  const port = await listenLoopback(server, options.port ?? 0);
  const origin = `http://127.0.0.1:${port}`;
  const issuer = `${origin}/${POOL_ID}`;

  const buildUserPool = () => {
    const provider = createUserPoolProvider({
      issuer,
      keys,
      store,
      cookieKeys,
      rotation,
      pkceRequired: strict.pkce,
      findUser: (sub) => {
        const u = userBySub(sub);
        return u?.enabled ? u : undefined;
      },
    });
    provider.on('server_error', (_ctx: unknown, error: unknown) => {
      process.stderr.write(`local-cognito: oidc-provider server_error: ${error instanceof Error ? error.message : String(error)}\n`);
    });
    return { provider, callback: provider.callback() };
  };
  let userPool = buildUserPool();

  const identity = wireIdentityPool({ identityPoolId: IDENTITY_POOL_ID, region: REGION, allowGuest, loginsKey: LOGINS_KEY, issuer, clientId: CLIENT_ID, keys, now });
  const dynamodb = await createDynamoDbFront({ region: REGION, now, describeCredentials: (id) => identity.describeCredentials(id) }).catch(async (error: unknown) => {
    await closeServer(server);
    throw error;
  });

  const behaviour = { ignorePromptLogin: false };
  const adminImpl = createAdmin({
    book,
    store,
    keys,
    userByName,
    rebuildProvider: () => {
      userPool = buildUserPool();
    },
    clock: { now, setOffsetMs: (ms) => (offsetMs = ms) },
    behaviour,
  });
  front.handle = createRoutes({
    origin,
    book,
    strict,
    admin: createAdminHttp(adminImpl, adminEnabled),
    cognito: createCognitoEndpoints({ origin, issuer, keys, store, userBySub }),
    login: createManagedLogin({ provider: () => userPool.provider, userByName, now }),
    identity,
    dynamodb,
    provider: () => userPool.callback,
    now,
    behaviour,
  });

  const config: ConfigInput = {
    userPool: { issuer, clientId: CLIENT_ID, domain: origin, scopes: ['openid', 'email', 'profile'] },
    identityPool: { id: IDENTITY_POOL_ID, region: REGION, endpoint: origin, allowGuest },
    redirectUri: REDIRECT_URI,
    logoutUri: LOGOUT_URI,
    terminal: { mode: 'shared', idleLockSeconds: 300, sessionCapHours: 12 },
    sync: { region: REGION, endpoint: origin, tableName: dynamodb.tableName },
    // The renderer's case board calls DynamoDB here (its only allowed endpoint; docs/or-views.md).
    orViews: { allowedEndpoints: [origin], caseBoard: { region: REGION, endpoint: origin, tableName: dynamodb.casesTableName } },
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
    admin: adminEnabled ? adminImpl : disabledAdmin(adminImpl),
    stopListening: () => (server.listening ? closeServer(server) : Promise.resolve()),
    listenAgain: async () => {
      if (stopped) throw new Error('local-cognito has been stopped');
      if (!server.listening) await listenLoopback(server, port);
    },
    stop: () => {
      stopped ??= closeServer(server).then(() => dynamodb.close());
      return stopped;
    },
  };
}
