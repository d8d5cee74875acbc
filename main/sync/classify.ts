/**
 * Sorts what the DynamoDB client throws into the cases the sync engine acts on, and maps the final
 * outcome into the shared error taxonomy. Only exception names, HTTP status and a shortened,
 * redacted message leave this module.
 */
import { ScrubInError, isScrubInError } from '../errors';
import { readSdkError } from '../lib';

export type SyncFailureKind = 'throttled' | 'server' | 'network' | 'denied' | 'conflict' | 'invalid' | 'other';

export interface SyncFailure {
  kind: SyncFailureKind;
  name: string;
  status: number | undefined;
  message: string;
}

const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException', 'TooManyRequestsException']);
const SERVER = new Set(['InternalServerError', 'ServiceUnavailable', 'InternalFailure']);
const DENIED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
]);
export function classifySyncError(error: unknown): SyncFailure {
  const { name, status, message, code, network } = readSdkError(error);
  const out = (kind: SyncFailureKind, label = name): SyncFailure => ({ kind, name: label, status, message });
  if (name === 'ConditionalCheckFailedException') return out('conflict');
  if (THROTTLED.has(name) || status === 429) return out('throttled');
  if (SERVER.has(name) || (status !== undefined && status >= 500)) return out('server');
  if (DENIED.has(name)) return out('denied');
  if (name === 'ValidationException' || name === 'SerializationException') return out('invalid');
  if (network) return out('network', code ?? name);
  return out('other');
}

export function isRetryable(failure: SyncFailure): boolean {
  return failure.kind === 'throttled' || failure.kind === 'server' || failure.kind === 'network';
}

export function toSyncError(error: unknown, operation: string): ScrubInError {
  if (isScrubInError(error)) return error;
  const f = classifySyncError(error);
  const detail = `settings sync: ${operation} failed with ${f.name}${f.status === undefined ? '' : ` (HTTP ${f.status})`}${f.message ? `: ${f.message}` : ''}`;
  const settingsMessage = {
    throttled: 'Settings sync is busy. Your settings are kept on this terminal and will be synchronised shortly.',
    server: 'Settings sync had a problem. Your settings are kept on this terminal and will be synchronised shortly.',
    network: 'The network is not reachable, so your settings are kept on this terminal and will be synchronised when it is back.',
  } as const;
  switch (f.kind) {
    case 'throttled':
      return new ScrubInError('throttled', { detail, cause: error, userMessage: settingsMessage.throttled, variant: 'settings_busy' });
    case 'server':
      return new ScrubInError('server_error', { detail, cause: error, userMessage: settingsMessage.server, variant: 'settings_service' });
    case 'network':
      return new ScrubInError('network', { detail, cause: error, userMessage: settingsMessage.network, variant: 'settings_offline' });
    case 'denied':
      return new ScrubInError('not_authorized', { detail, cause: error });
    case 'conflict':
      return new ScrubInError('sync_conflict', { detail, cause: error });
    default:
      return new ScrubInError('internal', { detail, cause: error });
  }
}
