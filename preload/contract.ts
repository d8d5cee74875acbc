/**
 * The IPC contract between main and renderer: channel names, zod payload schemas and the bridge type.
 * Shared by main (validation), preload (the bridge) and renderer (types only). Nothing here may carry a
 * refresh, ID or access token: the renderer gets the display profile and short-lived AWS credentials.
 */
import { z } from 'zod';

export const CHANNELS = {
  getSession: 'scrubin:session:get',
  sessionChanged: 'scrubin:session:changed',
  signIn: 'scrubin:auth:sign-in',
  cancelSignIn: 'scrubin:auth:cancel',
  signOut: 'scrubin:auth:sign-out',
  lock: 'scrubin:terminal:lock',
  unlock: 'scrubin:terminal:unlock',
  switchUser: 'scrubin:terminal:switch-user',
  continueAsGuest: 'scrubin:terminal:guest',
  reportActivity: 'scrubin:terminal:activity',
  getCredentials: 'scrubin:aws:credentials',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/);

/** Request payloads (renderer -> main), validated in main before anything runs. */
export const RequestSchemas = {
  [CHANNELS.getSession]: z.undefined(),
  [CHANNELS.signIn]: z.strictObject({ federated: z.boolean().optional() }).optional(),
  [CHANNELS.cancelSignIn]: z.undefined(),
  [CHANNELS.signOut]: z.undefined(),
  [CHANNELS.lock]: z.undefined(),
  [CHANNELS.unlock]: z.undefined(),
  [CHANNELS.switchUser]: z.undefined(),
  [CHANNELS.continueAsGuest]: z.undefined(),
  [CHANNELS.reportActivity]: z.undefined(),
  [CHANNELS.getCredentials]: z.strictObject({ roleArn: roleArn.optional() }).optional(),
} as const;

export const SessionStateSchema = z.enum(['starting', 'signed-out', 'guest', 'signing-in', 'signed-in', 'locked', 'unlocking', 'error']);
export type SessionState = z.infer<typeof SessionStateSchema>;

export const ErrorViewSchema = z.strictObject({ code: z.string(), message: z.string(), retryable: z.boolean() });

/** What the UI may know about the session. Read-only, serialisable, secret-free. */
export const SessionViewSchema = z.strictObject({
  state: SessionStateSchema,
  mode: z.enum(['shared', 'personal']),
  terminalId: z.string(),
  user: z
    .strictObject({
      username: z.string(),
      displayName: z.string(),
      email: z.string().optional(),
      groups: z.array(z.string()),
      roles: z.array(z.string()),
    })
    .nullable(),
  role: z.string().nullable(),
  sessionStartedAt: z.number().nullable(),
  sessionEndsAt: z.number().nullable(),
  lockAt: z.number().nullable(),
  credentialsExpireAt: z.number().nullable(),
  guestAvailable: z.boolean(),
  federatedLabel: z.string().nullable(),
  pendingSignIn: z.strictObject({ expiresAt: z.number(), forUser: z.string().nullable() }).nullable(),
  lastError: ErrorViewSchema.nullable(),
});
export type SessionView = z.infer<typeof SessionViewSchema>;

export const AwsCredentialsSchema = z.strictObject({
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  sessionToken: z.string(),
  expiration: z.number(),
  identityId: z.string(),
  roleArn: z.string().nullable(),
});
export type AwsCredentialsView = z.infer<typeof AwsCredentialsSchema>;

/** Every response is either a value or a user-facing error (never a thrown Error with internals). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: z.infer<typeof ErrorViewSchema> };

/** `window.scrubin`: named functions only, never ipcRenderer itself. */
export interface ScrubInBridge {
  getSession(): Promise<Result<SessionView>>;
  onSessionChanged(listener: (view: SessionView) => void): () => void;
  signIn(options?: { federated?: boolean }): Promise<Result<SessionView>>;
  cancelSignIn(): Promise<Result<SessionView>>;
  signOut(): Promise<Result<SessionView>>;
  lock(): Promise<Result<SessionView>>;
  unlock(): Promise<Result<SessionView>>;
  switchUser(): Promise<Result<SessionView>>;
  continueAsGuest(): Promise<Result<SessionView>>;
  reportActivity(): Promise<Result<null>>;
  getCredentials(options?: { roleArn?: string }): Promise<Result<AwsCredentialsView>>;
}
