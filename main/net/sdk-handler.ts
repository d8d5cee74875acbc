/**
 * An AWS SDK v3 request handler over the transport's fetch, so the identity-pool and DynamoDB clients take the
 * same proxy, PAC and trust store as everything else. The SDK hands over a signed request; the answer goes back
 * with its body as a Node stream (what the SDK's Node stream collector reads). Transport failures keep their shape
 * (fetch's TypeError with the socket error as cause, or a TimeoutError), which main/lib/sdk-error.ts reads as
 * "network" so the callers' retry loops retry them.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { HttpHandlerOptions, HttpRequest, HttpResponse, RequestHandler } from '@smithy/types';
import type { FetchLike } from './types';

export interface SdkHandlerOptions {
  /** Time limit of one request, connect to last byte of the headers (the SDK clients' own limits are off). */
  requestTimeoutMs: number;
}

/** What the SDK clients accept as `requestHandler`. */
export interface SdkRequestHandler extends RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions> {
  updateHttpClientConfig(key: never, value: never): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
}

/** Headers the transport derives from the URL and the body itself (fetch stacks refuse or recompute them). */
const DERIVED = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

export function urlOf(request: HttpRequest): string {
  const port = request.port ? `:${request.port}` : '';
  const path = request.path.startsWith('/') ? request.path : `/${request.path}`;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) query.append(key, v);
  }
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return `${request.protocol}//${request.hostname}${port}${path}${search}`;
}

export function createSdkRequestHandler(fetch: FetchLike, options: SdkHandlerOptions): SdkRequestHandler {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request, handlerOptions = {}) {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) if (!DERIVED.has(name.toLowerCase())) headers.set(name, value);
      const body = bodyOf(request.body);
      const timeout = AbortSignal.timeout(options.requestTimeoutMs);
      const signal = withCaller(handlerOptions.abortSignal, timeout);
      const response = await fetch(urlOf(request), {
        method: request.method,
        headers,
        ...(body === undefined || request.method === 'GET' || request.method === 'HEAD' ? {} : { body }),
        redirect: 'manual',
        signal,
      });
      const out: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        out[name] = value;
      });
      return {
        response: {
          statusCode: response.status,
          reason: response.statusText,
          headers: out,
          body: response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : Readable.from([]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

/** The SDK's serialised body (JSON protocols: a string). Streams are not sent by the clients main uses. */
function bodyOf(body: unknown): string | Uint8Array<ArrayBuffer> | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new Uint8Array(body);
  throw new TypeError('the Scrub In transport sends string or byte request bodies only');
}

/** The SDK caller's abort signal (a WHATWG one, or the SDK's own minimal shape) combined with the time limit. */
function withCaller(caller: HttpHandlerOptions['abortSignal'], timeout: AbortSignal): AbortSignal {
  if (!caller) return timeout;
  if (caller instanceof AbortSignal) return AbortSignal.any([caller, timeout]);
  const controller = new AbortController();
  if (caller.aborted) controller.abort();
  else caller.onabort = () => controller.abort();
  return AbortSignal.any([controller.signal, timeout]);
}
