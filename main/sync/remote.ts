/**
 * The remote side: DynamoDB calls of the sync engine, each retried on throttling, 5xx and network
 * failures with bounded exponential backoff and full jitter (the SDK's own retries are off), through
 * an injected sleep so tests never wait. Responses are parsed with zod.
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import type { Clock } from '../clock';
import { withRetry, type RetryPolicy, type Sleep } from '../lib';
import { ScrubInError, isScrubInError } from '../errors';
import { classifySyncError, isRetryable, toSyncError, type SyncFailureKind } from './classify';
import {
  DATASET_PREFIX,
  DatasetItem,
  IDENTITY_SK,
  PARTITION_KEY,
  RecordItem,
  SORT_KEY,
  datasetSk,
  recordItem,
  recordPrefix,
  recordSk,
  type DatasetMeta,
  type RemoteRecord,
} from './table';

/**
 * DynamoDB calls: five attempts, 200 ms base, 5 s cap. Our loop rather than the SDK's retry strategy, because
 * between attempts it must stop the moment the session ends (`alive`) and tell the app each retry.
 */
export const SYNC_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };
/**
 * One DynamoDB request (connect + answer) gets this long on the engine's clock, then it is aborted and counts as a
 * network failure (retried). DynamoDB answers in milliseconds; a request that hangs must not hold a pass, nor the
 * final flush at sign-out (5 s), for long. The client's own socket timeouts (engine.ts) back it in real time.
 */
export const REQUEST_TIMEOUT_MS = 2_000;

export type RemoteOperation = 'Query' | 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

export interface RemoteDeps {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  retry: RetryPolicy;
  random: () => number;
  sleep: Sleep;
  onRetry: (operation: RemoteOperation, attempt: number, delayMs: number, reason: SyncFailureKind) => void;
  /** Throws if the session this call belongs to has ended (checked after every wait). */
  alive: () => void;
  /** Aborted when the session ends: requests still in flight are dropped at once. */
  signal: AbortSignal;
  clock: Clock;
  requestTimeoutMs: number;
}

/** What an attempt that ran out of time looks like to the error sorting (a network failure: retried). */
class RequestTimeout extends Error {
  override readonly name = 'TimeoutError';
  constructor(operation: string, ms: number) {
    super(`${operation} got no answer within ${ms} ms`);
  }
}

const QueryPage = z.looseObject({ Items: z.array(z.unknown()).optional(), LastEvaluatedKey: z.record(z.string(), z.unknown()).optional() });
const GetItemOut = z.looseObject({ Item: z.unknown().optional() });
const UpdateOut = z.looseObject({ Attributes: z.record(z.string(), z.unknown()).optional() });

type UpdateInput = Omit<UpdateItemCommandInput, 'TableName' | 'Key'>;

function malformed(operation: string): ScrubInError {
  return new ScrubInError('internal', { detail: `settings sync: ${operation} returned an item of an unexpected shape` });
}

export class Remote {
  constructor(private readonly deps: RemoteDeps) {}

  /** One attempt, aborted when it outlives `requestTimeoutMs` on the clock or the session ends. */
  private async attempt<T>(operation: RemoteOperation, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { alive, signal, clock, requestTimeoutMs } = this.deps;
    alive();
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    signal.addEventListener('abort', stop, { once: true });
    const timer = clock.setTimer(requestTimeoutMs, () => abort.abort(new RequestTimeout(operation, requestTimeoutMs)));
    try {
      return await send(abort.signal);
    } catch (error) {
      throw abort.signal.reason instanceof RequestTimeout ? abort.signal.reason : error;
    } finally {
      timer.cancel();
      signal.removeEventListener('abort', stop);
      alive();
    }
  }

  private async call<T>(operation: RemoteOperation, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { alive } = this.deps;
    try {
      return await withRetry(
        () => this.attempt(operation, send),
        {
          policy: this.deps.retry,
          random: this.deps.random,
          sleep: async (ms) => {
            await this.deps.sleep(ms);
            alive();
          },
          retryable: (error) => !isScrubInError(error) && isRetryable(classifySyncError(error)),
          onRetry: (error, attempt, delayMs) => this.deps.onRetry(operation, attempt, delayMs, classifySyncError(error).kind),
        },
      );
    } catch (error) {
      // A conditional-check failure goes back as the SDK threw it: the caller resolves the conflict.
      if (isScrubInError(error) || classifySyncError(error).kind === 'conflict') throw error;
      throw toSyncError(error, operation);
    }
  }

  private async queryAll(identityId: string, prefix: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = QueryPage.parse(
        await this.call('Query', (abortSignal) =>
          this.deps.client.send(
            new QueryCommand({
              TableName: this.deps.tableName,
              ConsistentRead: true,
              KeyConditionExpression: '#pk = :id AND begins_with(#sk, :prefix)',
              ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
              ExpressionAttributeValues: { ':id': { S: identityId }, ':prefix': { S: prefix } },
              // The key is handed back exactly as the SDK returned it.
              ...(start ? { ExclusiveStartKey: start as Record<string, AttributeValue> } : {}),
            }),
            { abortSignal },
          ),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Every dataset of the identity, as listed (sync count, pushes under way, usage). */
  async listDatasets(identityId: string): Promise<Map<string, DatasetMeta>> {
    const out = new Map<string, DatasetMeta>();
    for (const raw of await this.queryAll(identityId, DATASET_PREFIX)) {
      const parsed = DatasetItem.safeParse(raw);
      if (!parsed.success) throw malformed('Query');
      out.set(parsed.data.dataset, parsed.data);
    }
    return out;
  }

  async getDataset(identityId: string, dataset: string): Promise<DatasetMeta | undefined> {
    const item = await this.getItem(identityId, datasetSk(dataset));
    if (item === undefined) return undefined;
    const parsed = DatasetItem.safeParse(item);
    if (!parsed.success) throw malformed('GetItem');
    return parsed.data;
  }

  async pullRecords(identityId: string, dataset: string): Promise<RemoteRecord[]> {
    const records: RemoteRecord[] = [];
    for (const raw of await this.queryAll(identityId, recordPrefix(dataset))) {
      const parsed = RecordItem.safeParse(raw);
      if (!parsed.success) throw malformed('Query');
      records.push(parsed.data);
    }
    return records;
  }

  /**
   * Conditional write of one record: succeeds only if the remote record is still at `baseVersion`
   * (0 = must not exist). Returns false when another terminal won the race.
   */
  async putRecord(
    identityId: string,
    dataset: string,
    key: string,
    record: { value: string | null; lastModified: number; deviceId: string },
    baseVersion: number,
  ): Promise<boolean> {
    return this.conditional('PutItem', (abortSignal) =>
      this.deps.client.send(
        new PutItemCommand({
          TableName: this.deps.tableName,
          Item: recordItem(identityId, dataset, key, record, baseVersion + 1),
          ...(baseVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(#sk)', ExpressionAttributeNames: { '#sk': SORT_KEY } }
            : {
                ConditionExpression: '#version = :base',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':base': { N: String(baseVersion) } },
              }),
        }),
        { abortSignal },
      ),
    );
  }

  /** Removes one record item (deleting a dataset). */
  async deleteRecord(identityId: string, dataset: string, key: string): Promise<void> {
    await this.deleteItem(identityId, recordSk(dataset, key));
  }

  /** Removes the dataset item (last step of deleting a dataset: its records are gone already). */
  async deleteDatasetItem(identityId: string, dataset: string): Promise<void> {
    await this.deleteItem(identityId, datasetSk(dataset));
  }

  /**
   * A push begins: `token` joins the dataset's `writers` (creating the dataset item). Idempotent, so a lost answer
   * is simply retried. Until `endWrite` removes it, other terminals re-read the dataset at every sync.
   */
  async beginWrite(identityId: string, dataset: string, token: string): Promise<void> {
    await this.update(datasetSk(dataset), identityId, {
      UpdateExpression: 'SET #dataset = :dataset, #syncCount = if_not_exists(#syncCount, :zero) ADD #writers :token',
      ExpressionAttributeNames: { '#dataset': 'dataset', '#syncCount': 'syncCount', '#writers': 'writers' },
      ExpressionAttributeValues: { ':dataset': { S: dataset }, ':zero': { N: '0' }, ':token': { SS: [token] } },
    });
  }

  /**
   * A push ends: the sync count moves (other terminals re-read the dataset) and `token` leaves `writers`. Safe to
   * repeat (one more move only costs a re-read). Undefined when the dataset was deleted meanwhile.
   */
  async endWrite(identityId: string, dataset: string, token: string): Promise<DatasetMeta | undefined> {
    const out = await this.update(
      datasetSk(dataset),
      identityId,
      {
        UpdateExpression: 'ADD #syncCount :one DELETE #writers :token',
        ConditionExpression: 'attribute_exists(#sk)',
        ExpressionAttributeNames: { '#syncCount': 'syncCount', '#writers': 'writers', '#sk': SORT_KEY },
        ExpressionAttributeValues: { ':one': { N: '1' }, ':token': { SS: [token] } },
        ReturnValues: 'ALL_NEW',
      },
      true,
    );
    if (out === false) return undefined;
    const parsed = DatasetItem.safeParse(out);
    if (!parsed.success) throw malformed('UpdateItem');
    return parsed.data;
  }

  /**
   * Changes the dataset's recorded usage by `delta`. With `limits`, only if the usage that grows stays within
   * them (a reservation before a record write): false when it would not.
   */
  async addUsage(identityId: string, dataset: string, delta: { records: number; bytes: number }, limits?: { records: number; bytes: number }): Promise<boolean> {
    const conditions = ['attribute_exists(#sk)'];
    const values: Record<string, AttributeValue> = { ':dr': { N: String(delta.records) }, ':db': { N: String(delta.bytes) } };
    if (limits && delta.records > 0) {
      conditions.push('(attribute_not_exists(#records) OR #records <= :maxRecords)');
      values[':maxRecords'] = { N: String(limits.records - delta.records) };
    }
    if (limits && delta.bytes > 0) {
      conditions.push('(attribute_not_exists(#bytes) OR #bytes <= :maxBytes)');
      values[':maxBytes'] = { N: String(limits.bytes - delta.bytes) };
    }
    const out = await this.update(
      datasetSk(dataset),
      identityId,
      {
        UpdateExpression: 'ADD #records :dr, #bytes :db',
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: { '#sk': SORT_KEY, '#records': 'records', '#bytes': 'bytes' },
        ExpressionAttributeValues: values,
      },
      true,
    );
    return out !== false;
  }

  /**
   * Sets the dataset's usage to what its records hold (repair after a lost answer, or a dataset written by an
   * older version), only if nothing was written since `seenCount` and no push is under way.
   */
  async repairUsage(identityId: string, dataset: string, usage: { records: number; bytes: number }, seenCount: number): Promise<boolean> {
    const out = await this.update(
      datasetSk(dataset),
      identityId,
      {
        UpdateExpression: 'SET #records = :records, #bytes = :bytes',
        ConditionExpression: '#syncCount = :seen AND attribute_not_exists(#writers)',
        ExpressionAttributeNames: { '#records': 'records', '#bytes': 'bytes', '#syncCount': 'syncCount', '#writers': 'writers' },
        ExpressionAttributeValues: { ':records': { N: String(usage.records) }, ':bytes': { N: String(usage.bytes) }, ':seen': { N: String(seenCount) } },
      },
      true,
    );
    return out !== false;
  }

  /**
   * Takes a slot of the identity's dataset limit for `dataset` (idempotent): false when `max` names hold one
   * already. `known` (the datasets listed) are added first, so datasets made by older versions count too.
   */
  async registerDataset(identityId: string, dataset: string, max: number, known: readonly string[]): Promise<boolean> {
    const names = (n: readonly string[]): AttributeValue => ({ SS: [...n] });
    if (known.length > 0) {
      await this.update(IDENTITY_SK, identityId, {
        UpdateExpression: 'ADD #datasets :known',
        ExpressionAttributeNames: { '#datasets': 'datasets' },
        ExpressionAttributeValues: { ':known': names(known) },
      });
    }
    const out = await this.update(
      IDENTITY_SK,
      identityId,
      {
        UpdateExpression: 'ADD #datasets :name',
        ConditionExpression: 'attribute_not_exists(#datasets) OR contains(#datasets, :dataset) OR size(#datasets) < :max',
        ExpressionAttributeNames: { '#datasets': 'datasets' },
        ExpressionAttributeValues: { ':name': names([dataset]), ':dataset': { S: dataset }, ':max': { N: String(max) } },
      },
      true,
    );
    return out !== false;
  }

  /** Gives the dataset's slot back (its dataset was deleted, or never created). */
  async unregisterDataset(identityId: string, dataset: string): Promise<void> {
    await this.update(IDENTITY_SK, identityId, {
      UpdateExpression: 'DELETE #datasets :name',
      ExpressionAttributeNames: { '#datasets': 'datasets' },
      ExpressionAttributeValues: { ':name': { SS: [dataset] } },
    });
  }

  private key(identityId: string, sk: string): Record<string, AttributeValue> {
    return { [PARTITION_KEY]: { S: identityId }, [SORT_KEY]: { S: sk } };
  }

  private async getItem(identityId: string, sk: string): Promise<unknown> {
    const out = GetItemOut.parse(
      await this.call('GetItem', (abortSignal) =>
        this.deps.client.send(new GetItemCommand({ TableName: this.deps.tableName, ConsistentRead: true, Key: this.key(identityId, sk) }), { abortSignal }),
      ),
    );
    return out.Item;
  }

  private async deleteItem(identityId: string, sk: string): Promise<void> {
    await this.call('DeleteItem', (abortSignal) =>
      this.deps.client.send(new DeleteItemCommand({ TableName: this.deps.tableName, Key: this.key(identityId, sk) }), { abortSignal }),
    );
  }

  /** One UpdateItem; with `conditional`, a failed condition answers false instead of throwing. Returns the item's attributes. */
  private async update(sk: string, identityId: string, input: UpdateInput, conditional = false): Promise<unknown> {
    const send = (abortSignal: AbortSignal): Promise<unknown> =>
      this.deps.client.send(new UpdateItemCommand({ TableName: this.deps.tableName, Key: this.key(identityId, sk), ...input }), { abortSignal });
    if (conditional) {
      let out: unknown;
      const ok = await this.conditional('UpdateItem', async (abortSignal) => {
        out = await send(abortSignal);
      });
      return ok ? UpdateOut.parse(out).Attributes : false;
    }
    return UpdateOut.parse(await this.call('UpdateItem', send)).Attributes;
  }

  /** A request whose condition may fail: true when it was carried out, false when its condition failed. */
  private async conditional(operation: RemoteOperation, send: (signal: AbortSignal) => Promise<unknown>): Promise<boolean> {
    try {
      await this.call(operation, send);
      return true;
    } catch (error) {
      if (!isScrubInError(error) && classifySyncError(error).kind === 'conflict') return false;
      throw error;
    }
  }
}
