/**
 * The DynamoDB table design (see docs/settings-sync.md):
 *
 *   partition key `identityId` (S) = the Cognito identity id (`us-east-1:<guid>`), so the IAM
 *   condition `dynamodb:LeadingKeys` = `${cognito-identity.amazonaws.com:sub}` confines each person
 *   to their own items;
 *   sort key `sk` (S):
 *     `i#`                 the identity item: `datasets` (SS, the dataset names that hold a slot of the
 *                          20-dataset limit; a name is added, conditionally, before its dataset is created)
 *     `d#<dataset>`        one dataset item: `dataset`, `syncCount` (N, +1 when a push ends), `writers` (SS,
 *                          the pushes begun and not yet ended), `records` / `bytes` (N, the dataset's usage:
 *                          reserved, conditionally, before a record grows it)
 *     `r#<dataset>#<key>`  one record item: `dataset`, `key`, `value` (S, absent when removed),
 *                          `deleted` (BOOL), `version` (N, +1 per write: the conditional-write guard),
 *                          `lastModified` (N, ms of the writing device's clock), `deviceId` (S)
 *
 * Dataset names cannot contain `#`, so `begins_with(sk, "r#<dataset>#")` selects one dataset exactly.
 */
import { z } from 'zod';

export const DEFAULT_TABLE_NAME = 'ScrubInSettings';
export const PARTITION_KEY = 'identityId';
export const SORT_KEY = 'sk';

export const datasetSk = (dataset: string): string => `d#${dataset}`;
export const recordPrefix = (dataset: string): string => `r#${dataset}#`;
export const recordSk = (dataset: string, key: string): string => `${recordPrefix(dataset)}${key}`;
export const DATASET_PREFIX = 'd#';
export const IDENTITY_SK = 'i#';

/** A record as stored remotely. */
export interface RemoteRecord {
  key: string;
  value: string | null;
  version: number;
  lastModified: number;
  deviceId: string;
}

const S = z.strictObject({ S: z.string() });
const N = z.strictObject({ N: z.string().regex(/^\d{1,15}$/) }).transform((n) => Number(n.N));
const BOOL = z.strictObject({ BOOL: z.boolean() });
/** Usage counters may drift below zero after a lost answer (until repaired): read them signed. */
const SignedN = z.strictObject({ N: z.string().regex(/^-?\d{1,15}$/) }).transform((n) => Number(n.N));

/** Items read back from DynamoDB are a trust boundary: parsed, never cast. */
export const RecordItem = z
  .looseObject({
    identityId: S,
    sk: S,
    dataset: S,
    key: S,
    value: S.optional(),
    deleted: BOOL,
    version: N,
    lastModified: N,
    deviceId: S,
  })
  .transform(
    (i): RemoteRecord => ({
      key: i.key.S,
      value: i.deleted.BOOL ? null : (i.value?.S ?? ''),
      version: i.version,
      lastModified: i.lastModified,
      deviceId: i.deviceId.S,
    }),
  );

const SS = z.strictObject({ SS: z.array(z.string()) }).transform((s) => s.SS);

/** A dataset as listed: its sync count, the pushes under way (or left unfinished), its usage if recorded. */
export interface DatasetMeta {
  dataset: string;
  syncCount: number;
  writers: string[];
  /** Live records and their bytes, as reserved by pushes; undefined on items written by older versions. */
  usage: { records: number; bytes: number } | undefined;
}

export const DatasetItem = z
  .looseObject({ identityId: S, sk: S, dataset: S, syncCount: N.optional(), writers: SS.optional(), records: SignedN.optional(), bytes: SignedN.optional() })
  .transform(
    (i): DatasetMeta => ({
      dataset: i.dataset.S,
      syncCount: i.syncCount ?? 0,
      writers: i.writers ?? [],
      usage: i.records === undefined || i.bytes === undefined ? undefined : { records: i.records, bytes: i.bytes },
    }),
  );

export type AttributeMap = Record<string, { S: string } | { N: string } | { BOOL: boolean }>;

export function recordItem(identityId: string, dataset: string, key: string, record: { value: string | null; lastModified: number; deviceId: string }, version: number): AttributeMap {
  const item: AttributeMap = {
    [PARTITION_KEY]: { S: identityId },
    [SORT_KEY]: { S: recordSk(dataset, key) },
    dataset: { S: dataset },
    key: { S: key },
    deleted: { BOOL: record.value === null },
    version: { N: String(version) },
    lastModified: { N: String(record.lastModified) },
    deviceId: { S: record.deviceId },
  };
  if (record.value !== null) item.value = { S: record.value };
  return item;
}
