/**
 * A standalone local DynamoDB with its own identity pool on one 127.0.0.1 port: what the
 * local-cognito front does once the DynamoDB endpoint is registered there, for tests that need only
 * guest identities (no user pool, no browser). Counting and faults work like local-cognito's admin,
 * keyed by the DynamoDB endpoint names (`DynamoDB.PutItem`, ...) and the identity operations.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { faultAnswers, FaultSchema, type Fault, type FaultInput } from '../admin';
import { createIdentityPool, type IdentityPool } from '../identity-pool/index';
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
    allowGuests: options.allowGuests ?? true,
  });
  const counts = new Map<string, number>();
  const faults = new Map<string, Fault[]>();

  const server: Server = createServer((req, res) => {
    const run = async (): Promise<void> => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const identityOp = target.startsWith('AWSCognitoIdentityService.') ? target.slice('AWSCognitoIdentityService.'.length) : undefined;
      const name: string | undefined = isDynamoDbRequest(req) ? dynamoDbEndpointOf(req) : identityOp;
      if (name !== undefined) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        const fault = faults.get(name)?.shift();
        if (fault) {
          if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
          if (fault.reset) {
            req.socket.destroy();
            return;
          }
          if (faultAnswers(fault) && isDynamoDbRequest(req)) {
            req.resume();
            writeDynamoDbFault(res, fault);
            return;
          }
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;
  return {
    origin,
    region: STANDALONE_REGION,
    identityPoolId: STANDALONE_IDENTITY_POOL_ID,
    tableName: front.tableName,
    identityPool,
    front,
    counts: () => Object.fromEntries(counts),
    failNext(endpoint, fault = {}) {
      const parsed = FaultSchema.parse(fault);
      const list = faults.get(endpoint) ?? [];
      for (let i = 0; i < parsed.count; i++) list.push(parsed);
      faults.set(endpoint, list);
    },
    clearFaults: () => faults.clear(),
    stop() {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await front.close();
      })();
      return stopped;
    },
  };
}
