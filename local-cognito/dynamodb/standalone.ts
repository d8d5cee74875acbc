/**
 * A standalone local DynamoDB with its own identity pool on one 127.0.0.1 port: what the
 * local-cognito front does once the DynamoDB endpoint is registered there, for tests that need only
 * guest identities (no user pool, no browser). Counting and faults work like local-cognito's admin,
 * keyed by the DynamoDB endpoint names (`DynamoDB.PutItem`, ...) and the identity operations.
 */
import { createServer, type Server } from 'node:http';
import { applyFaultTiming, dropAnswer, faultAnswers, FaultBook, type FaultInput } from '../faults';
import { createIdentityPool, type IdentityPool } from '../identity-pool/index';
import { closeServer, listenLoopback } from '../listen';
import { AUTHENTICATED_ROLE_ARN, GUEST_ROLE_ARN } from '../seed';
import { createDynamoDbFront, type DynamoDbFront } from './index';
import { dynamoDbEndpointOf, isDynamoDbRequest, type DynamoDbEndpointName } from './endpoints';
import { writeDynamoDbFault } from './errors';

export const STANDALONE_REGION = 'us-east-1';
export const STANDALONE_IDENTITY_POOL_ID = 'us-east-1:7c1a9e4e-5c1b-4f3e-9a55-0d1c0ffee0dd';

type Name = DynamoDbEndpointName | 'GetId' | 'GetCredentialsForIdentity';

export interface LocalDynamoDb {
  origin: string;
  region: string;
  identityPoolId: string;
  tableName: string;
  identityPool: IdentityPool;
  front: DynamoDbFront;
  counts(): Record<string, number>;
  failNext(endpoint: Name, fault?: FaultInput): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

/** `allowGuests`: whether guest credentials may use the table (default false, as the documented policy advises). */
export async function startLocalDynamoDb(options: { now?: () => number; allowGuests?: boolean } = {}): Promise<LocalDynamoDb> {
  const now = options.now ?? Date.now;
  const identityPool = createIdentityPool({
    identityPoolId: STANDALONE_IDENTITY_POOL_ID,
    region: STANDALONE_REGION,
    allowUnauthenticated: true,
    authenticatedRoleArn: AUTHENTICATED_ROLE_ARN,
    unauthenticatedRoleArn: GUEST_ROLE_ARN,
    providers: [],
    now,
  });
  const front = await createDynamoDbFront({
    region: STANDALONE_REGION,
    describeCredentials: (id) => identityPool.describeCredentials(id),
    now,
    allowGuests: options.allowGuests ?? false,
  });
  const book = new FaultBook<string>();

  const server: Server = createServer((req, res) => {
    const run = async (): Promise<void> => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const identityOp = target.startsWith('AWSCognitoIdentityService.') ? target.slice('AWSCognitoIdentityService.'.length) : undefined;
      const name: string | undefined = isDynamoDbRequest(req) ? dynamoDbEndpointOf(req) : identityOp;
      if (name !== undefined) {
        book.count(name);
        const fault = book.take(name);
        if (fault) {
          if (await applyFaultTiming(fault, () => req.socket.destroy())) return;
          if (faultAnswers(fault) && isDynamoDbRequest(req)) {
            req.resume();
            writeDynamoDbFault(res, fault);
            return;
          }
          if (fault.loseAnswer) dropAnswer(res);
        }
      }
      if (isDynamoDbRequest(req)) await front.handle(req, res);
      else await identityPool.handle(req, res);
    };
    run().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  const origin = `http://127.0.0.1:${await listenLoopback(server)}`;
  let stopped: Promise<void> | undefined;
  return {
    origin,
    region: STANDALONE_REGION,
    identityPoolId: STANDALONE_IDENTITY_POOL_ID,
    tableName: front.tableName,
    identityPool,
    front,
    counts: () => book.counts(),
    failNext: (endpoint, fault) => book.failNext(endpoint, fault),
    clearFaults: () => book.clearFaults(),
    stop() {
      stopped ??= (async () => {
        await closeServer(server);
        await front.close();
      })();
      return stopped;
    },
  };
}
