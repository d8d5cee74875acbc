/**
 * Owns per-person settings sync (the Cognito Sync successor on DynamoDB): the engine the terminal session opens for
 * the signed-in person, its cache, merge rules and limits. What the rest of the app imports. See docs/settings-sync.md.
 */
export { createSettingsSync, type SettingsSync, type SettingsSyncOptions } from './engine';
export type { SettingsChange, SettingsListener, SyncCredentials, SyncEvent, SyncReason } from './types';
export { serverOrder, type ConflictChoice, type ConflictHandler, type RecordView } from './merge';
