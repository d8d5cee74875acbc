/**
 * The engine's vocabulary shared by its parts: the credentials it reads, the changes it announces to
 * subscribers, what one synchronise pass did, and the events it reports for logs.
 */
import type { SyncFailureKind } from './classify';
import type { RemoteOperation } from './remote';

/** What the credentials function returns (`AwsCredentials` of main/identity-pool fits). */
export interface SyncCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ms since the epoch */
  expiration: number;
  identityId: string;
}

export type SettingsChange =
  /** One record changed (here, or pulled from another terminal). `value` null = removed. */
  | {
      kind: 'record';
      identityId: string;
      dataset: string;
      key: string;
      value: string | null;
      source: 'local' | 'remote';
      /** A change made here was replaced by a newer one made elsewhere (a conflict the server's order decided). */
      overridden?: true;
    }
  /** The person changed (open / close): re-read everything. */
  | { kind: 'reset'; identityId: string | null };

export type SettingsListener = (change: SettingsChange) => void;

/** What one synchronise pass did. */
export interface SyncResult {
  /** Records whose visible value changed because of the pull. */
  pulled: number;
  pushed: number;
  conflicts: number;
}

export type SyncReason = 'open' | 'change' | 'reconnect' | 'retry' | 'flush';

/** Events for logs and diagnostics: identifiers, counts and codes only, never values or credentials. */
export type SyncEvent =
  | { type: 'opened'; identityId: string; cache: 'loaded' | 'empty' | 'corrupt' | 'other-identity' | 'unreadable' }
  /** `pendingLost`: changes made here that were not pushed and are gone with the purged cache (not saved). */
  | { type: 'closed'; identityId: string; purged: boolean; pendingLost: number }
  | { type: 'sync-start'; identityId: string; reason: SyncReason }
  | { type: 'synced'; identityId: string; pulled: number; pushed: number; conflicts: number }
  | { type: 'sync-failed'; identityId: string; code: string; retryInMs: number | null }
  | { type: 'retry'; operation: RemoteOperation; attempt: number; delayMs: number; reason: SyncFailureKind }
  | { type: 'conflict'; dataset: string; key: string; resolution: 'local' | 'remote' | 'merged'; by: 'hook' | 'default' }
  | { type: 'conflict-hook-failed'; dataset: string; key: string }
  | { type: 'race-lost'; dataset: string; round: number }
  /** A push another terminal began long ago and never ended was ended here (its changes become visible). */
  | { type: 'push-abandoned'; dataset: string }
  | { type: 'limit'; dataset: string; detail: string }
  | { type: 'cache-write-failed'; identityId: string };
