export { createCredentialsProvider } from './credentials-provider';
export type {
  AwsCredentials,
  CredentialsEvent,
  CredentialsProvider,
  CredentialsProviderOptions,
  CredentialsRequest,
  GateState,
  LinkResult,
} from './types';
export type { IdToken, IdTokenSource } from './id-token';
export { roleClaims } from './id-token';
export { loginsKeyFromIssuer, userPoolFromIssuer } from './logins';
export { IDENTITY_CACHE_FILE } from './identity-cache';
export type { RetryOptions } from '../lib';
export { IDENTITY_POOL_RETRY } from './pool-calls';
