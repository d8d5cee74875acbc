/**
 * Test and admin controls: request counts per endpoint and fault injection, applied in one place
 * (the HTTP front) to every endpoint by name, the identity-pool operations included.
 */
import type { ServerResponse } from 'node:http';
import { DYNAMODB_ENDPOINTS, isDynamoDbEndpoint } from './dynamodb/endpoints';
import { writeDynamoDbFault } from './dynamodb/errors';
import { FaultSchema, type Fault, type FaultInput } from './faults';

export { FaultSchema, faultAnswers, type Fault, type FaultInput } from './faults';

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

export const IDENTITY_OPERATIONS = new Set<EndpointName>(['GetId', 'GetCredentialsForIdentity', 'GetOpenIdToken']);
const OAUTH_JSON = new Set<EndpointName>(['token', 'userinfo', 'revoke', 'discovery', 'jwks']);

export class Controls {
  private readonly countsByName = new Map<EndpointName, number>();
  private readonly faults = new Map<EndpointName, Fault[]>();

  count(name: EndpointName): void {
    this.countsByName.set(name, (this.countsByName.get(name) ?? 0) + 1);
  }

  counts(): Record<string, number> {
    return Object.fromEntries(ENDPOINTS.map((n) => [n, this.countsByName.get(n) ?? 0]));
  }

  resetCounts(): void {
    this.countsByName.clear();
  }

  failNext(endpoint: EndpointName, fault: FaultInput = {}): void {
    const parsed = FaultSchema.parse(fault);
    const list = this.faults.get(endpoint) ?? [];
    for (let i = 0; i < parsed.count; i++) list.push(parsed);
    this.faults.set(endpoint, list);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Takes the next pending fault for the endpoint, if any. */
  take(endpoint: EndpointName): Fault | undefined {
    const list = this.faults.get(endpoint);
    const next = list?.shift();
    if (list && list.length === 0) this.faults.delete(endpoint);
    return next;
  }
}

export function isEndpointName(value: string): value is EndpointName {
  return (ENDPOINTS as readonly string[]).includes(value);
}

/**
 * Writes an error shaped like the real endpoint's: AWS JSON 1.0 for DynamoDB (see dynamodb/errors.ts),
 * AWS JSON 1.1 for identity operations
 * (`__type` + `x-amzn-ErrorType`, which the AWS SDK maps to typed exceptions), OAuth JSON for the
 * oauth2 endpoints, an error redirect for authorize (when the redirect URI is the registered one),
 * an HTML page for the browser pages.
 */
export function writeFault(
  res: ServerResponse,
  endpoint: EndpointName,
  fault: Fault,
  context: { registeredRedirect: string; query: URLSearchParams; html: (title: string, message: string) => string },
): void {
  if (isDynamoDbEndpoint(endpoint)) {
    writeDynamoDbFault(res, fault);
    return;
  }
  if (IDENTITY_OPERATIONS.has(endpoint)) {
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
    const body = JSON.stringify({ error, ...(fault.message ? { error_description: fault.message } : {}) });
    res.writeHead(status, {
      'content-type': 'application/json;charset=UTF-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
      ...(endpoint === 'userinfo' ? { 'www-authenticate': `Bearer error="${error}"` } : {}),
    });
    res.end(body);
    return;
  }
  if (endpoint === 'authorize' && fault.error && fault.status === undefined && context.query.get('redirect_uri') === context.registeredRedirect) {
    const target = new URL(context.registeredRedirect);
    target.searchParams.set('error', error);
    if (fault.message) target.searchParams.set('error_description', fault.message);
    const state = context.query.get('state');
    if (state !== null) target.searchParams.set('state', state);
    res.writeHead(302, { location: target.href, 'content-length': 0 });
    res.end();
    return;
  }
  const body = context.html('Something went wrong', `${error}${fault.message ? `: ${fault.message}` : ''}`);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
