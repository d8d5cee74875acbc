/**
 * local-cognito DynamoDB: dynalite (an npm DynamoDB implementation, in memory) behind a front that
 * does what AWS does before a request reaches DynamoDB:
 *
 * 1. SigV4: the signature is verified with the secret the local identity pool issued for the access
 *    key id (`describeCredentials`), the session token must match, expired credentials are refused.
 * 2. IAM: the role policy of the settings table (`dynamodb:LeadingKeys` =
 *    `${cognito-identity.amazonaws.com:sub}`): only the caller's own partition, only item operations; and the
 *    case-board table's role policies (read for nurses, anesthesiologists and charge nurses, the status update for
 *    charge nurses only, nothing for anyone else or guests).
 * CORS as DynamoDB answers a browser (the renderer's SDK calls from its own origin): preflights and `*`.
 * 3. Then the request goes to dynalite unchanged, and dynalite's answer comes back unchanged.
 *
 * The settings table and the case-board table (with the demo schedule around local-cognito's "today") are created at start. Request counting and fault injection happen in the
 * local-cognito front by endpoint name (`DynamoDB.GetItem`, ...; see endpoints.ts) before `handle`.
 */
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import dynalite from 'dynalite';
import type { IssuedCredentials } from '../identity-pool/index';
import { closeServer, listenLoopback } from '../listen';
import { DYNAMODB_TARGET_PREFIX } from './endpoints';
import { DynamoDbError, sendDynamoDbError } from './errors';
import { CASES_TABLE, casesTableDefinition, demoScheduleWrites } from './cases';
import { authorize, type CaseBoardPolicy } from './policy';
import { CASE_BOARD_ROLES } from '../seed';
import { verifySigV4 } from './sigv4';

export { DYNAMODB_ENDPOINTS, DYNAMODB_OPERATIONS, dynamoDbEndpointOf, isDynamoDbEndpoint, isDynamoDbRequest, type DynamoDbEndpointName } from './endpoints';
export { writeDynamoDbFault, DynamoDbError } from './errors';
export { CASES_TABLE } from './cases';

/** The settings table as main/sync expects it (main/sync/table.ts holds the same names). */
export const SETTINGS_TABLE = {
  name: 'ScrubInSettings',
  partitionKey: 'identityId',
  sortKey: 'sk',
} as const;

const MAX_BODY_BYTES = 1024 * 1024;

export interface DynamoDbFrontOptions {
  region: string;
  /** Looks up credentials issued by the local identity pool (its `describeCredentials`). */
  describeCredentials: (accessKeyId: string) => IssuedCredentials | undefined;
  /** ms since the epoch; the signature time window and credential expiry use it. Default Date.now. */
  now?: () => number;
  /** AWS account id shown in ARNs (default the demo account 000000000000). */
  accountId?: string;
  tableName?: string;
  /** Whether guest credentials may use the table (default false: the documented policy is for the authenticated role only). */
  allowGuests?: boolean;
  /** The case-board table's name (default ScrubInCases); it is seeded with the demo schedule around `now()`. */
  casesTableName?: string;
}

export interface DynamoDbFront {
  readonly tableName: string;
  readonly casesTableName: string;
  /** Serves one DynamoDB request (reads the body itself). Route `X-Amz-Target: DynamoDB_20120810.*` here. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Stops dynalite (its data is in memory and is lost). */
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new DynamoDbError('SerializationException', 'Request body too large.', 413);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export async function createDynamoDbFront(options: DynamoDbFrontOptions): Promise<DynamoDbFront> {
  const now = options.now ?? Date.now;
  const tableName = options.tableName ?? SETTINGS_TABLE.name;
  const casesTableName = options.casesTableName ?? CASES_TABLE.name;
  const caseBoard: CaseBoardPolicy = {
    tableName: casesTableName,
    readers: CASE_BOARD_ROLES.readers,
    statusWriters: CASE_BOARD_ROLES.statusWriters,
    writableAttributes: [CASES_TABLE.partitionKey, CASES_TABLE.sortKey, CASES_TABLE.statusAttribute],
  };
  const policy = {
    region: options.region,
    accountId: options.accountId ?? '000000000000',
    tableName,
    partitionKey: SETTINGS_TABLE.partitionKey,
    allowGuests: options.allowGuests ?? false,
    caseBoard,
  };

  const backend: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const backendPort = await listenLoopback(backend);

  /** Sends a request to dynalite; dynalite does not check signatures, so a fixed one is enough for the front's own calls. */
  // Requests dynalite is still working on. dynalite closes its database when its server closes, and a write it
  // had already started then throws "Database is closed" as an uncaught exception; close() waits for these first.
  const inFlight = new Set<Promise<unknown>>();
  let closed: Promise<void> | undefined;
  const forward = (headers: Record<string, string>, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> => {
    if (closed) return Promise.reject(new Error('local-cognito dynamodb: closed'));
    const answer = send(headers, body);
    const settled = answer.catch(() => undefined);
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
    return answer;
  };
  const send = (headers: Record<string, string>, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        { host: '127.0.0.1', port: backendPort, method: 'POST', path: '/', headers: { ...headers, 'content-length': String(body.length) } },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('error', reject);
          answer.on('end', () => {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(answer.headers)) if (typeof v === 'string') h[k] = v;
            resolve({ status: answer.statusCode ?? 500, headers: h, body: Buffer.concat(chunks) });
          });
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const internalHeaders = (operation: string): Record<string, string> => ({
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `${DYNAMODB_TARGET_PREFIX}${operation}`,
    'x-amz-date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''),
    authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
  });

  const created = await forward(
    internalHeaders('CreateTable'),
    Buffer.from(
      JSON.stringify({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: SETTINGS_TABLE.partitionKey, AttributeType: 'S' },
          { AttributeName: SETTINGS_TABLE.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: SETTINGS_TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: SETTINGS_TABLE.sortKey, KeyType: 'RANGE' },
        ],
      }),
    ),
  );
  if (created.status !== 200) {
    await closeServer(backend);
    throw new Error(`local-cognito: creating the DynamoDB table failed (HTTP ${created.status})`);
  }
  const json = (body: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify(body));
  const cases = [
    await forward(internalHeaders('CreateTable'), json(casesTableDefinition(casesTableName))),
    ...(await Promise.all(demoScheduleWrites(casesTableName, now()).map((batch) => forward(internalHeaders('BatchWriteItem'), json(batch))))),
  ];
  const failed = cases.find((answer) => answer.status !== 200);
  if (failed) {
    await closeServer(backend);
    throw new Error(`local-cognito: creating the case-board table failed (HTTP ${failed.status})`);
  }

  return {
    tableName,
    casesTableName,
    async handle(req, res) {
      try {
        const target = req.headers['x-amz-target'];
        const operation = typeof target === 'string' && target.startsWith(DYNAMODB_TARGET_PREFIX) ? target.slice(DYNAMODB_TARGET_PREFIX.length) : '';
        const body = await readBody(req);
        if (req.method !== 'POST' || operation === '') throw new DynamoDbError('UnknownOperationException', 'Unknown operation.');
        const caller = await verifySigV4({ method: req.method, url: req.url ?? '/', headers: req.headers, body }, {
          region: options.region,
          service: 'dynamodb',
          now,
          describeCredentials: options.describeCredentials,
        });
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw new DynamoDbError('SerializationException', 'Request body is not valid JSON.');
        }
        authorize(operation, parsed, caller, policy);
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'x-amz-target', 'x-amz-date', 'authorization']) {
          const v = req.headers[name];
          if (typeof v === 'string') headers[name] = v;
        }
        const answer = await forward(headers, body);
        const outHeaders: Record<string, string> = {};
        for (const name of ['content-type', 'x-amzn-requestid', 'x-amz-crc32']) {
          const v = answer.headers[name];
          if (v !== undefined) outHeaders[name] = v;
        }
        res.writeHead(answer.status, { ...outHeaders, 'content-length': String(answer.body.length) });
        res.end(answer.body);
      } catch (error) {
        if (!(error instanceof DynamoDbError)) {
          process.stderr.write(`local-cognito dynamodb: ${error instanceof Error ? error.message : String(error)}\n`);
        }
        sendDynamoDbError(res, error);
      }
    },
    close() {
      closed ??= Promise.allSettled([...inFlight]).then(() => closeServer(backend));
      return closed;
    },
  };
}
