/**
 * The local DynamoDB front refuses what AWS would refuse: requests signed wrongly or with unknown,
 * expired or incomplete credentials (SigV4 verified for real), and any request that names another
 * identity's partition (the `dynamodb:LeadingKeys` policy). Uses the real @aws-sdk/client-dynamodb.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsCredentials, CredentialsProvider } from '../../main/identity-pool';
import { createSettingsSync } from '../../main/sync';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../local-cognito/dynamodb/standalone';
import { SyncEventLog, guestProvider } from '../support/sync';

let ld: LocalDynamoDb;
let offsetMs = 0;
const providers: CredentialsProvider[] = [];
let alice: AwsCredentials;
let bob: AwsCredentials;

async function guestCredentials(): Promise<AwsCredentials> {
  const provider = await guestProvider(ld, await mkdtemp(join(tmpdir(), 'scrubin-sync-aws-')));
  providers.push(provider);
  return provider.getCredentials();
}

const client = (c: Pick<AwsCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>, extra: { systemClockOffset?: number } = {}): DynamoDBClient =>
  new DynamoDBClient({
    region: ld.region,
    endpoint: ld.origin,
    maxAttempts: 1,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
    ...extra,
  });

const key = (identityId: string, sk: string) => ({ identityId: { S: identityId }, sk: { S: sk } });

beforeAll(async () => {
  // These identities are guests: this stand-in acts as if IT had given the guest role the table (not the default).
  ld = await startLocalDynamoDb({ now: () => Date.now() + offsetMs, allowGuests: true });
  alice = await guestCredentials();
  bob = await guestCredentials();
  expect(alice.identityId).not.toBe(bob.identityId);
  await client(alice).send(new PutItemCommand({ TableName: ld.tableName, Item: { ...key(alice.identityId, 'r#prefs#textSize'), value: { S: 'large' } } }));
});
afterAll(async () => {
  for (const p of providers) p.close();
  await ld.stop();
});

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to be refused');
}

describe('LeadingKeys: only your own identity', () => {
  it('reads and writes of your own partition work', async () => {
    const out = await client(alice).send(new GetItemCommand({ TableName: ld.tableName, Key: key(alice.identityId, 'r#prefs#textSize') }));
    expect(out.Item?.value).toEqual({ S: 'large' });
  });

  it("another identity's items can be neither read nor written, by any route", async () => {
    const b = client(bob);
    const t = ld.tableName;
    const attempts = [
      b.send(new GetItemCommand({ TableName: t, Key: key(alice.identityId, 'r#prefs#textSize') })),
      b.send(new PutItemCommand({ TableName: t, Item: { ...key(alice.identityId, 'r#prefs#textSize'), value: { S: 'hacked' } } })),
      b.send(
        new UpdateItemCommand({
          TableName: t,
          Key: key(alice.identityId, 'r#prefs#textSize'),
          UpdateExpression: 'SET #v = :v',
          ExpressionAttributeNames: { '#v': 'value' },
          ExpressionAttributeValues: { ':v': { S: 'hacked' } },
        }),
      ),
      b.send(
        new QueryCommand({
          TableName: t,
          KeyConditionExpression: '#p = :id',
          ExpressionAttributeNames: { '#p': 'identityId' },
          ExpressionAttributeValues: { ':id': { S: alice.identityId } },
        }),
      ),
      b.send(new QueryCommand({ TableName: t, KeyConditions: { identityId: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: alice.identityId }] } } })),
      b.send(new BatchGetItemCommand({ RequestItems: { [t]: { Keys: [key(bob.identityId, 'r#a#b'), key(alice.identityId, 'r#prefs#textSize')] } } })),
      b.send(new ScanCommand({ TableName: t })),
      b.send(new ListTablesCommand({})),
    ];
    for (const attempt of attempts) {
      const f = await failure(attempt);
      expect(f.name).toBe('AccessDeniedException');
      expect(f.status).toBe(400);
      expect(f.message).toMatch(/is not authorized to perform: dynamodb:\w+ on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/ScrubInSettings/);
    }
    const still = await client(alice).send(new GetItemCommand({ TableName: t, Key: key(alice.identityId, 'r#prefs#textSize') }));
    expect(still.Item?.value).toEqual({ S: 'large' });
  });

  it('a sync engine given credentials of another identity refuses to sync', async () => {
    const log = new SyncEventLog();
    const sync = createSettingsSync({
      cacheDir: await mkdtemp(join(tmpdir(), 'scrubin-sync-x-')),
      credentials: () => Promise.resolve(bob),
      region: ld.region,
      endpoint: ld.origin,
      sleep: () => Promise.resolve(),
      onEvent: log.record,
    });
    const opened = log.endOf('open');
    await sync.open(alice.identityId);
    expect(await opened).toMatchObject({ type: 'sync-failed', code: 'not_authorized' });
    await sync.close({ flush: false, purge: true });
  });
});

describe('SigV4 is verified for real', () => {
  const get = (c: DynamoDBClient) => c.send(new GetItemCommand({ TableName: ld.tableName, Key: key(alice.identityId, 'r#prefs#textSize') }));

  it('a wrong secret key fails the signature check', async () => {
    const f = await failure(get(client({ ...alice, secretAccessKey: `${alice.secretAccessKey.slice(0, -1)}x` })));
    expect(f.name).toBe('InvalidSignatureException');
  });

  it('a body changed after signing fails the signature check', async () => {
    const c = client(alice);
    c.middlewareStack.add(
      (next) => (args) => {
        const req = args.request as { body?: unknown; headers?: Record<string, string> };
        expect(req.headers?.authorization).toMatch(/^AWS4-HMAC-SHA256 /); // already signed
        const text = req.body instanceof Uint8Array ? Buffer.from(req.body).toString('utf8') : String(req.body);
        req.body = text.replace('textSize', 'textSizz');
        return next(args);
      },
      { step: 'deserialize', name: 'tamper' },
    );
    expect((await failure(get(c))).name).toBe('InvalidSignatureException');
  });

  it('unknown access keys and wrong or missing session tokens are unrecognised', async () => {
    expect((await failure(get(client({ ...alice, accessKeyId: 'ASIAUNKNOWNUNKNOWN00' })))).name).toBe('UnrecognizedClientException');
    expect((await failure(get(client({ ...alice, sessionToken: bob.sessionToken })))).name).toBe('UnrecognizedClientException');
    const noToken = new DynamoDBClient({
      region: ld.region,
      endpoint: ld.origin,
      maxAttempts: 1,
      credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
    });
    expect((await failure(get(noToken))).name).toBe('UnrecognizedClientException');
  });

  it('an unsigned request is refused', async () => {
    const res = await fetch(ld.origin, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body: JSON.stringify({ TableName: ld.tableName, Key: key(alice.identityId, 'r#prefs#textSize') }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
  });

  it('expired credentials are refused', async () => {
    offsetMs = 61 * 60_000;
    try {
      // Signed at the server's (shifted) time, so only the credentials' age is wrong.
      const f = await failure(get(client(alice, { systemClockOffset: offsetMs })));
      expect(f).toMatchObject({ name: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    } finally {
      offsetMs = 0;
    }
  });

  it("a request signed too far from the server's time is refused", async () => {
    offsetMs = 61 * 60_000;
    try {
      const late = await failure(get(client(alice)));
      expect(late.name).toBe('InvalidSignatureException');
      expect(late.message).toMatch(/^Signature expired/);
    } finally {
      offsetMs = 0;
    }
  });
});

describe('guests and the table', () => {
  it('by default (as the documented policy advises) guest credentials get no access, even to their own partition', async () => {
    const strict = await startLocalDynamoDb();
    const provider = await guestProvider(strict, await mkdtemp(join(tmpdir(), 'scrubin-sync-aws-')));
    try {
      const guest = await provider.getCredentials();
      const c = new DynamoDBClient({ region: strict.region, endpoint: strict.origin, maxAttempts: 1, credentials: { accessKeyId: guest.accessKeyId, secretAccessKey: guest.secretAccessKey, sessionToken: guest.sessionToken } });
      const own = key(guest.identityId, 'r#prefs#textSize');
      expect((await failure(c.send(new PutItemCommand({ TableName: strict.tableName, Item: { ...own, value: { S: 'large' } } })))).name).toBe('AccessDeniedException');
      expect((await failure(c.send(new GetItemCommand({ TableName: strict.tableName, Key: own })))).name).toBe('AccessDeniedException');
    } finally {
      provider.close();
      await strict.stop();
    }
  });
});

describe('stopping', () => {
  it('stopping while writes are in flight lets them end first: no "Database is closed" after the test', async () => {
    const busy = await startLocalDynamoDb({ allowGuests: true });
    const provider = await guestProvider(busy, await mkdtemp(join(tmpdir(), 'scrubin-sync-aws-')));
    try {
      const guest = await provider.getCredentials();
      const writer = new DynamoDBClient({ region: busy.region, endpoint: busy.origin, maxAttempts: 1, credentials: { accessKeyId: guest.accessKeyId, secretAccessKey: guest.secretAccessKey, sessionToken: guest.sessionToken } });
      const writes = Array.from({ length: 40 }, (_, i) =>
        writer.send(new PutItemCommand({ TableName: busy.tableName, Item: { ...key(guest.identityId, `r#prefs#w${i}`), value: { S: 'x'.repeat(2000) } } })),
      );
      // Stop as soon as the first write is through: the others are at the front, in dynalite, or not yet sent.
      await Promise.race(writes);
      await busy.stop();
      const outcomes = await Promise.allSettled(writes);
      expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
      // Give a write dynalite had begun the time to reach its (then closed) database; Vitest reports any uncaught error.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      provider.close();
      await busy.stop();
    }
  });
});
