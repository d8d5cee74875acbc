/** Per-person settings sync (Cognito Sync successor on DynamoDB). See docs/settings-sync.md. */
export {
  createSettingsSync,
  type SettingsChange,
  type SettingsListener,
  type SettingsSync,
  type SettingsSyncOptions,
  type SyncCredentials,
  type SyncEvent,
  type SyncReason,
  type SyncResult,
  type SyncStatus,
} from './engine';
export { mostRecentWins, type ConflictChoice, type ConflictHandler, type RecordView } from './merge';
export { DEFAULT_LIMITS, DATASET_NAME, MAX_KEY_LENGTH, type SyncLimits } from './limits';
export { DEFAULT_TABLE_NAME, PARTITION_KEY, SORT_KEY } from './table';
export { cacheFileName, CACHE_FILE_PREFIX, removeAllCacheFiles } from './cache';
