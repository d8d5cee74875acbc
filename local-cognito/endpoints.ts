/**
 * Every endpoint local-cognito answers, by name: how a request is named (for counts and faults) and how
 * an injected fault is written so that it looks like that endpoint's own errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DYNAMODB_ENDPOINTS, dynamoDbEndpointOf, isDynamoDbEndpoint } from './dynamodb/endpoints';
import { writeDynamoDbFault } from './dynamodb/errors';
import type { Fault } from './faults';
import { sendHtml, sendJson } from './http';
import { errorPage } from './pages';
import { PATHS, REDIRECT_URI } from './user-pool';

export const ENDPOINTS = [
  'discovery',
  'jwks',
  'authorize',
  'login',
  'token',
  'userinfo',
  'revoke',
  'logout',
  'GetId',
  'GetCredentialsForIdentity',
  'GetOpenIdToken',
  // The settings table (DynamoDB JSON 1.0 API, `X-Amz-Target: DynamoDB_20120810.<Operation>`).
  ...DYNAMODB_ENDPOINTS,
] as const;

export type EndpointName = (typeof ENDPOINTS)[number];

const IDENTITY_TARGET = 'AWSCognitoIdentityService.';
const IDENTITY_OPERATIONS = new Set<string>(['GetId', 'GetCredentialsForIdentity', 'GetOpenIdToken']);
const OAUTH_JSON = new Set<EndpointName>(['token', 'userinfo', 'revoke', 'discovery', 'jwks']);
const BY_PATH = new Map<string, EndpointName>([
  [PATHS.discovery, 'discovery'],
  [PATHS.jwks, 'jwks'],
  [PATHS.authorize, 'authorize'],
  [PATHS.login, 'login'],
  [PATHS.token, 'token'],
  [PATHS.userinfo, 'userinfo'],
  [PATHS.revoke, 'revoke'],
  [PATHS.logout, 'logout'],
]);

export function isEndpointName(value: string): value is EndpointName {
  return (ENDPOINTS as readonly string[]).includes(value);
}

function isIdentityOperation(name: string): name is 'GetId' | 'GetCredentialsForIdentity' | 'GetOpenIdToken' {
  return IDENTITY_OPERATIONS.has(name);
}

/** The endpoint a request is for, or undefined for anything local-cognito does not name. */
export function classify(req: IncomingMessage, path: string): EndpointName | undefined {
  const byPath = BY_PATH.get(path);
  if (byPath) return byPath;
  // DynamoDB (the settings table): any path, as the SDK posts to the endpoint's root.
  const ddb = dynamoDbEndpointOf(req);
  if (ddb) return ddb;
  if (path === '/' && req.method === 'POST') {
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.startsWith(IDENTITY_TARGET) ? target.slice(IDENTITY_TARGET.length) : '';
    if (isIdentityOperation(op)) return op;
  }
  return undefined;
}

/**
 * Writes an error shaped like the real endpoint's: AWS JSON 1.0 for DynamoDB (see dynamodb/errors.ts),
 * AWS JSON 1.1 for identity operations (`__type` + `x-amzn-ErrorType`, which the AWS SDK maps to typed
 * exceptions), OAuth JSON for the oauth2 endpoints, an error redirect for authorize (when the redirect URI
 * is the registered one), an HTML page for the browser pages.
 */
export function writeFault(res: ServerResponse, endpoint: EndpointName, fault: Fault, query: URLSearchParams): void {
  if (isDynamoDbEndpoint(endpoint)) {
    writeDynamoDbFault(res, fault);
    return;
  }
  if (isIdentityOperation(endpoint)) {
    const type = fault.error ?? 'InternalErrorException';
    const status = fault.status ?? (type === 'InternalErrorException' ? 500 : 400);
    const body = JSON.stringify({ __type: type, message: fault.message ?? `Injected ${type}` });
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': `${type}:`,
      'x-amzn-requestid': crypto.randomUUID(),
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
    return;
  }
  const error = fault.error ?? 'server_error';
  const status = fault.status ?? (fault.error ? 400 : 500);
  if (OAUTH_JSON.has(endpoint)) {
    const body = { error, ...(fault.message ? { error_description: fault.message } : {}) };
    sendJson(res, status, body, endpoint === 'userinfo' ? { 'www-authenticate': `Bearer error="${error}"` } : {});
    return;
  }
  if (endpoint === 'authorize' && fault.error && fault.status === undefined && query.get('redirect_uri') === REDIRECT_URI) {
    const target = new URL(REDIRECT_URI);
    target.searchParams.set('error', error);
    if (fault.message) target.searchParams.set('error_description', fault.message);
    const state = query.get('state');
    if (state !== null) target.searchParams.set('state', state);
    res.writeHead(302, { location: target.href, 'content-length': 0 });
    res.end();
    return;
  }
  sendHtml(res, status, errorPage('Something went wrong', `${error}${fault.message ? `: ${fault.message}` : ''}`));
}
