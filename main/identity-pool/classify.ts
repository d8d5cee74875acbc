/**
 * Sorts what the Cognito Identity SDK throws into the few cases the provider acts on. Only the exception
 * name, HTTP status and a redacted, shortened service message leave this module: never a token.
 */
import { readSdkError } from '../lib';

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

export function describe(operation: string, failure: Failure): string {
  const status = failure.status === undefined ? '' : ` (HTTP ${failure.status})`;
  const message = failure.message ? `: ${failure.message}` : '';
  return `${operation} failed with ${failure.name}${status}${message}`;
}
