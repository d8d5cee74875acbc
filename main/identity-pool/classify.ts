/**
 * Sorts what the Cognito Identity SDK throws into the few cases the provider acts on. Only the exception
 * name, HTTP status and a redacted, shortened service message leave this module: never a token.
 */

export type FailureKind =
  | 'throttled'
  | 'server'
  | 'network'
  | 'not-authorized'
  | 'not-found'
  | 'pool-config'
  | 'invalid-parameter'
  | 'conflict'
  | 'other';

export interface Failure {
  kind: FailureKind;
  /** Exception name (`TooManyRequestsException`) or a Node error code (`ECONNREFUSED`). */
  name: string;
  status: number | undefined;
  /** Service message with anything token-like removed, at most 200 characters. */
  message: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

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

/** What any AWS SDK v3 client error tells us, read defensively (shared by the identity and sync clients). */
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
  const code = typeof e.code === 'string' ? e.code : networkCodeOf(e.cause);
  const network =
    name === 'TimeoutError' ||
    name === 'RequestTimeout' ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    (status === undefined && e.$fault === undefined && code !== undefined);
  return { name, status, message, code, fault: e.$fault, network };
}

export function classify(error: unknown): Failure {
  const { name, status, message, code, fault, network } = readSdkError(error);
  const out = (kind: FailureKind, label = name): Failure => ({ kind, name: label, status, message });

  switch (name) {
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return out('throttled');
    case 'NotAuthorizedException':
      return out('not-authorized');
    case 'ResourceNotFoundException':
      return out('not-found');
    case 'InvalidIdentityPoolConfigurationException':
      return out('pool-config');
    case 'InvalidParameterException':
    case 'ValidationException':
      return out('invalid-parameter');
    case 'ResourceConflictException':
      return out('conflict');
    case 'InternalErrorException':
    case 'ExternalServiceException':
      return out('server');
    default:
      break;
  }
  if (status === 429) return out('throttled');
  if ((status !== undefined && status >= 500) || fault === 'server') return out('server');
  if (network) return out('network', code ?? name);
  return out('other');
}

function networkCodeOf(cause: unknown): string | undefined {
  if (typeof cause === 'object' && cause !== null && typeof (cause as { code?: unknown }).code === 'string') {
    return (cause as { code: string }).code;
  }
  return undefined;
}

export function describe(operation: string, failure: Failure): string {
  const status = failure.status === undefined ? '' : ` (HTTP ${failure.status})`;
  const message = failure.message ? `: ${failure.message}` : '';
  return `${operation} failed with ${failure.name}${status}${message}`;
}
