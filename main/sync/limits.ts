/**
 * Limits of the datasets, as Cognito Sync had them: 20 datasets per identity, 1,024 records per
 * dataset, 1 MB per dataset (keys + values, UTF-8). Two more follow from DynamoDB: a record is one
 * item (400 KB at most), so one value is capped at 350,000 bytes; and dataset names and keys are part
 * of the sort key (1,024 bytes at most), so they are short. Names and keys are validated here.
 */
import { ScrubInError } from '../errors';

export interface SyncLimits {
  maxDatasets: number;
  maxRecordsPerDataset: number;
  maxDatasetBytes: number;
  maxValueBytes: number;
}

export const DEFAULT_LIMITS: SyncLimits = {
  maxDatasets: 20,
  maxRecordsPerDataset: 1024,
  maxDatasetBytes: 1024 * 1024,
  maxValueBytes: 350_000,
};

/** Cognito Sync's dataset name rule: 1 to 128 of `A-Z a-z 0-9 _ . : -`. */
export const DATASET_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
export const MAX_KEY_LENGTH = 256;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** No lone surrogate halves (they cannot be stored as UTF-8). */
const wellFormed = (text: string): boolean => !/\p{Surrogate}/u.test(text);

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

export function checkDatasetName(dataset: unknown): string {
  if (typeof dataset !== 'string' || !DATASET_NAME.test(dataset)) {
    throw new ScrubInError('invalid_request', {
      detail: 'dataset name must be 1 to 128 characters of letters, digits, "_", ".", ":" or "-"',
    });
  }
  return dataset;
}

export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || CONTROL.test(key) || !wellFormed(key)) {
    throw new ScrubInError('invalid_request', { detail: `setting key must be 1 to ${MAX_KEY_LENGTH} characters without control characters` });
  }
  return key;
}

export function checkValue(value: unknown, limits: SyncLimits): string {
  if (typeof value !== 'string' || !wellFormed(value)) {
    throw new ScrubInError('invalid_request', { detail: 'setting value must be a string' });
  }
  const bytes = utf8Bytes(value);
  if (bytes > limits.maxValueBytes) {
    throw new ScrubInError('sync_limit', {
      detail: `setting value is ${bytes} bytes, more than the ${limits.maxValueBytes} bytes one setting may hold`,
      userMessage: 'This setting is too large to be saved.',
      variant: 'setting_too_large',
    });
  }
  return value;
}

/** Bytes a record counts toward its dataset's size (key + value; a removed record counts nothing). */
export const recordBytes = (key: string, value: string | null): number => (value === null ? 0 : utf8Bytes(key) + utf8Bytes(value));

export interface DatasetUsage {
  records: number;
  bytes: number;
}

export function usageOf(records: Iterable<[string, { value: string | null }]>): DatasetUsage {
  let count = 0;
  let bytes = 0;
  for (const [key, r] of records) {
    if (r.value === null) continue;
    count++;
    bytes += recordBytes(key, r.value);
  }
  return { records: count, bytes };
}

/**
 * Throws `sync_limit` when going from `before` to `after` grows a part of the usage beyond its limit. A change that
 * does not grow it is allowed even in a dataset over its limits (left so by an older version): no dead end.
 */
export function checkGrowth(dataset: string, before: DatasetUsage, after: DatasetUsage, limits: SyncLimits): void {
  checkUsage(dataset, { records: after.records > before.records ? after.records : 0, bytes: after.bytes > before.bytes ? after.bytes : 0 }, limits);
}

/** What the server must reserve before a record goes from `fromBytes` to `toBytes` (0 = absent or removed), and give back after. */
export function usageDelta(fromBytes: number, toBytes: number): { grow: DatasetUsage; shrink: DatasetUsage } {
  const records = (toBytes > 0 ? 1 : 0) - (fromBytes > 0 ? 1 : 0);
  const bytes = toBytes - fromBytes;
  return { grow: { records: Math.max(0, records), bytes: Math.max(0, bytes) }, shrink: { records: Math.min(0, records), bytes: Math.min(0, bytes) } };
}

/** Throws `sync_limit` when a dataset with this usage would break a limit. */
export function checkUsage(dataset: string, usage: DatasetUsage, limits: SyncLimits): void {
  if (usage.records > limits.maxRecordsPerDataset) {
    throw new ScrubInError('sync_limit', {
      detail: `dataset "${dataset}" would hold ${usage.records} settings, more than the limit of ${limits.maxRecordsPerDataset}`,
    });
  }
  if (usage.bytes > limits.maxDatasetBytes) {
    throw new ScrubInError('sync_limit', {
      detail: `dataset "${dataset}" would hold ${usage.bytes} bytes, more than the limit of ${limits.maxDatasetBytes} bytes`,
    });
  }
}
