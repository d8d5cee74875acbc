/**
 * Reading errors we did not make: what an AWS SDK v3 client (identity pool, DynamoDB) or fetch throws, read
 * defensively. The one list of transport error codes lives here. Only names, codes, HTTP status and a
 * redacted, shortened message come out: never a token.
 */

/** Node and undici codes of a transport failure: no answer, reset, refused, unreachable, timed out. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function isNetworkCode(code: unknown): boolean {
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** A message with anything token-like removed, at most 200 characters. */
export function redact(text: string): string {
  return text
    .replace(/eyJ[\w-]*\.[\w-]*\.?[\w-]*/g, '[token]')
    .replace(/[A-Za-z0-9+/=_-]{40,}/g, '[redacted]')
    .slice(0, 200);
}

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

/** What any AWS SDK v3 client error tells us. */
export interface SdkErrorFacts {
  name: string;
  status: number | undefined;
  /** Redacted, shortened service message. */
  message: string;
  /** The error's own or its cause's Node error code (`ECONNRESET`), if any. */
  code: string | undefined;
  fault: unknown;
  /** A transport failure: no answer, reset, refused, timed out. */
  network: boolean;
}

export function readSdkError(error: unknown): SdkErrorFacts {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkLikeError;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const message = typeof e.message === 'string' ? redact(e.message) : '';
  const code = typeof e.code === 'string' ? e.code : codeOf(e.cause);
  const network =
    name === 'TimeoutError' ||
    name === 'RequestTimeout' ||
    isNetworkCode(code) ||
    (status === undefined && e.$fault === undefined && code !== undefined);
  return { name, status, message, code, fault: e.$fault, network };
}

function codeOf(cause: unknown): string | undefined {
  if (typeof cause === 'object' && cause !== null && typeof (cause as { code?: unknown }).code === 'string') {
    return (cause as { code: string }).code;
  }
  return undefined;
}
