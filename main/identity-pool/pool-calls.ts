/**
 * The identity pool's two operations, GetId and GetCredentialsForIdentity (both unsigned), with bounded retries:
 * throttling, 5xx and network failures are retried with full-jitter backoff; anything else, or the last attempt,
 * becomes a CallFailure the caller maps. The session is checked before each attempt and after each answer.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  type GetCredentialsForIdentityCommandOutput,
  type GetIdCommandOutput,
} from '@aws-sdk/client-cognito-identity';
import type { Config } from '../config/schema';
import { ScrubInError } from '../errors';
import { withRetry, type RetryPolicy, type Sleep } from '../lib';
import { createSdkRequestHandler, identityPoolOrigin, type Transport } from '../net';
import { classify, describe, type Failure, type FailureKind } from './classify';
import type { Context } from './session';
import type { AwsCredentials, CredentialsEvent, Operation, Principal } from './types';

export type IdentityPoolClient = Pick<CognitoIdentityClient, 'send'>;
type Logins = Record<string, string> | undefined;

/** A failed SDK call after retries, still unmapped (the caller decides what it means). */
export class CallFailure extends Error {
  constructor(
    readonly operation: Operation,
    readonly failure: Failure,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(describe(operation, failure), options);
    this.name = 'CallFailure';
  }
}

/** The failure kind of `error` when it is a CallFailure, else undefined. */
export function failureKind(error: unknown): FailureKind | undefined {
  return error instanceof CallFailure ? error.failure.kind : undefined;
}

/** Identity-pool calls: five attempts, 200 ms base, 5 s cap (the service's quotas are per second). */
export const IDENTITY_POOL_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

const RETRYABLE: ReadonlySet<FailureKind> = new Set(['throttled', 'server', 'network']);

/**
 * The provider's own SDK client over the app's transport: SDK retries off (`call` retries), a time limit per
 * request, and the endpoint's connection opened while the person is still in the browser (`preconnect`).
 */
export interface OwnClient {
  client: CognitoIdentityClient;
  /** Opens the connection to the identity pool's endpoint ahead of the first request (no request is sent). */
  preconnect(): void;
}

export function createOwnClient(pool: NonNullable<Config['identityPool']>, requestTimeoutMs: number, transport: Transport): OwnClient {
  const origin = identityPoolOrigin(pool);
  const client = new CognitoIdentityClient({
    region: pool.region,
    ...(pool.endpoint ? { endpoint: pool.endpoint } : {}),
    maxAttempts: 1,
    // Without a limit a GetId that never answers would hold a sign-in until the socket dies.
    requestHandler: createSdkRequestHandler(transport.fetch, { requestTimeoutMs }),
  });
  return { client, preconnect: () => transport.preconnect(origin) };
}

export interface PoolCalls {
  getId(principal: Principal, ctx: Context, logins: Logins): Promise<GetIdCommandOutput>;
  getCreds(principal: Principal, ctx: Context, identityId: string, logins: Logins, customRole: string | null): Promise<GetCredentialsForIdentityCommandOutput>;
}

export interface PoolCallsOptions {
  client: IdentityPoolClient;
  identityPoolId: string;
  retry: RetryPolicy;
  random: () => number;
  sleep: Sleep;
  emit: (event: CredentialsEvent) => void;
  /** Throws when the gate closed or the session changed (see `ProviderSession.checkpoint`). */
  checkpoint: (ctx: Context) => void;
}

export function createPoolCalls(options: PoolCallsOptions): PoolCalls {
  const { client, retry, emit } = options;

  async function call<T>(operation: Operation, principal: Principal, ctx: Context, send: () => Promise<T>): Promise<T> {
    let attempts = 0;
    try {
      return await withRetry(
        async (attempt) => {
          attempts = attempt;
          options.checkpoint(ctx);
          emit({ type: 'request', operation, principal, attempt });
          const out = await send();
          options.checkpoint(ctx);
          return out;
        },
        {
          policy: retry,
          random: options.random,
          sleep: options.sleep,
          retryable: (error) => !(error instanceof ScrubInError) && RETRYABLE.has(classify(error).kind),
          onRetry: (error, attempt, delayMs) => emit({ type: 'retry', operation, principal, attempt, delayMs, reason: classify(error).kind }),
        },
      );
    } catch (error) {
      if (error instanceof ScrubInError) throw error;
      throw new CallFailure(operation, classify(error), attempts, { cause: error });
    }
  }

  return {
    getId: (principal, ctx, logins) =>
      call('GetId', principal, ctx, () => client.send(new GetIdCommand({ IdentityPoolId: options.identityPoolId, ...(logins ? { Logins: logins } : {}) }))),
    getCreds: (principal, ctx, identityId, logins, customRole) =>
      call('GetCredentialsForIdentity', principal, ctx, () =>
        client.send(
          new GetCredentialsForIdentityCommand({
            IdentityId: identityId,
            ...(logins ? { Logins: logins } : {}),
            ...(customRole ? { CustomRoleArn: customRole } : {}),
          }),
        ),
      ),
  };
}

export function toCredentials(out: GetCredentialsForIdentityCommandOutput, identityId: string, roleArn: string | null): AwsCredentials {
  const c = out.Credentials;
  const expiration = c?.Expiration instanceof Date ? c.Expiration.getTime() : Number.NaN;
  if (!c?.AccessKeyId || !c.SecretKey || !c.SessionToken || !Number.isFinite(expiration)) {
    throw new ScrubInError('server_error', { detail: 'GetCredentialsForIdentity returned incomplete credentials' });
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretKey,
    sessionToken: c.SessionToken,
    expiration,
    identityId,
    roleArn,
  };
}

export function returnedId(out: { IdentityId?: string | undefined }, operation: Operation): string {
  if (typeof out.IdentityId !== 'string' || out.IdentityId === '') {
    throw new ScrubInError('server_error', { detail: `${operation} returned no IdentityId` });
  }
  return out.IdentityId;
}
