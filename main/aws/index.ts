export {
  createCredentialsProvider,
  type AwsCredentials,
  type CredentialsEvent,
  type CredentialsProvider,
  type CredentialsProviderOptions,
  type CredentialsRequest,
  type GateState,
  type LinkResult,
} from './credentials-provider';
export type { IdToken, IdTokenSource } from './id-token';
export { roleClaims } from './id-token';
export { loginsKeyFromIssuer, userPoolFromIssuer } from './logins';
export { IDENTITY_CACHE_FILE } from './identity-cache';
export type { RetryOptions } from './backoff';
