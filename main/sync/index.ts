/** Per-person settings sync (Cognito Sync successor on DynamoDB): what the rest of the app imports. See docs/settings-sync.md. */
export { createSettingsSync, type SettingsSync, type SettingsSyncOptions } from './engine';
export type { SettingsChange, SettingsListener, SyncCredentials, SyncEvent, SyncReason } from './types';
export { mostRecentWins, type ConflictChoice, type ConflictHandler, type RecordView } from './merge';
