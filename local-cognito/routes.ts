/**
 * The HTTP front: names every request (endpoints.ts), counts it and applies injected faults in one
 * place, then hands it to its handler: the admin controls, the DynamoDB front, the identity pool, the
 * Cognito-specific endpoints, the managed-login page or oidc-provider.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CognitoEndpoints } from './cognito-endpoints';
import { decideAuthorize, type Strictness } from './authorize-rules';
import type { DynamoDbFront } from './dynamodb/index';
import { isDynamoDbRequest } from './dynamodb/index';
import { answerDynamoDbPreflight, DYNAMODB_CORS_HEADERS, isDynamoDbPreflight } from './dynamodb/cors';
import { classify, writeFault, type EndpointName } from './endpoints';
import { applyFaultTiming, dropAnswer, faultAnswers, type FaultBook } from './faults';
import { sendJson } from './http';
import type { IdentityPool } from './identity';
import { END_SESSION_PATH, PATHS } from './user-pool';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface RouteDeps {
  origin: string;
  book: FaultBook<EndpointName>;
  strict: Strictness;
  admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  cognito: CognitoEndpoints;
  login: Handler;
  identity: IdentityPool;
  dynamodb: DynamoDbFront;
  /** oidc-provider's request listener (the provider is rebuilt when the signing keys rotate). */
  provider(): (req: IncomingMessage, res: ServerResponse) => void;
  /** local-cognito's clock (ms): every answer's `Date` header, as Cognito's answers carry its time. */
  now(): number;
  /** Admin-switched misbehaviours (admin.ts). */
  behaviour: { readonly ignorePromptLogin: boolean };
}

/** Requests oidc-provider answers: authorize (and its resume after login), token, and its end-session confirm step. */
function forProvider(endpoint: EndpointName | undefined, path: string, method: string): boolean {
  if (method === 'GET') return endpoint === 'authorize' || path.startsWith(`${PATHS.authorize}/`);
  // Switching user over a live session: oidc-provider ends the old session first (auto-posted form).
  return method === 'POST' && (endpoint === 'token' || path === `${END_SESSION_PATH}/confirm`);
}

export function createRoutes(deps: RouteDeps): Handler {
  const { cognito } = deps;

  const byEndpoint: Partial<Record<EndpointName, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void>> = {
    discovery: (req, res) => (req.method === 'GET' ? cognito.discovery(res) : notAllowed(res)),
    jwks: (req, res) => (req.method === 'GET' ? cognito.jwks(res) : notAllowed(res)),
    userinfo: (req, res) => cognito.userInfo(req, res),
    revoke: (req, res) => (req.method === 'POST' ? cognito.revoke(req, res) : notAllowed(res)),
    logout: (req, res, url) => (req.method === 'GET' ? cognito.logout(req, res, url.searchParams) : notAllowed(res)),
    login: (req, res) => deps.login(req, res),
    GetId: (req, res) => deps.identity.handle(req, res),
    GetCredentialsForIdentity: (req, res) => deps.identity.handle(req, res),
    GetOpenIdToken: (req, res) => deps.identity.handle(req, res),
  };

  const authorize = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const decision = decideAuthorize(url.searchParams, deps.strict);
    if ('redirect' in decision) {
      res.writeHead(302, { location: decision.redirect, 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return;
    }
    let pass = decision.pass;
    if (deps.behaviour.ignorePromptLogin) {
      const query = new URLSearchParams(pass);
      if (query.get('prompt') === 'login') query.delete('prompt');
      pass = query.toString();
    }
    req.url = `${url.pathname}?${pass}`;
    deps.provider()(req, res);
  };

  return async (req, res) => {
    res.setHeader('date', new Date(deps.now()).toUTCString());
    const url = new URL(req.url ?? '/', deps.origin);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/__admin' || path.startsWith('/__admin/')) {
      await deps.admin(req, res, path);
      return;
    }
    if (isDynamoDbPreflight(req)) {
      answerDynamoDbPreflight(req, res);
      return;
    }
    // Browsers (the renderer's OR screens) see DynamoDB's answers, faults included, as from the real service.
    if (isDynamoDbRequest(req)) for (const [name, value] of Object.entries(DYNAMODB_CORS_HEADERS)) res.setHeader(name, value);
    const endpoint = classify(req, path);
    if (endpoint) {
      deps.book.count(endpoint);
      const fault = deps.book.take(endpoint);
      if (fault) {
        if (await applyFaultTiming(fault, () => req.socket.destroy())) return;
        if (faultAnswers(fault)) {
          req.resume();
          writeFault(res, endpoint, fault, url.searchParams);
          return;
        }
        if (fault.loseAnswer) dropAnswer(res);
      }
    }
    // Also the DynamoDB operations without an endpoint name (dynalite answers UnknownOperation / the policy refuses).
    if (isDynamoDbRequest(req)) {
      await deps.dynamodb.handle(req, res);
      return;
    }
    const handler = endpoint ? byEndpoint[endpoint] : undefined;
    if (handler) {
      await handler(req, res, url);
      return;
    }
    if (endpoint === 'authorize' && method === 'GET') {
      authorize(req, res, url);
      return;
    }
    if (forProvider(endpoint, path, method)) {
      deps.provider()(req, res);
      return;
    }
    req.resume();
    if (endpoint) notAllowed(res);
    else sendJson(res, 404, { error: 'not_found' });
  };
}

function notAllowed(res: ServerResponse): void {
  sendJson(res, 405, { error: 'invalid_request', error_description: 'method not allowed' });
}
