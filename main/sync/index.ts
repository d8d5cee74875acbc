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
} from './engine';
export { mostRecentWins, type ConflictChoice, type ConflictHandler, type RecordView } from './merge';
