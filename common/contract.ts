/**
 * The IPC contract between main and renderer: channel names, zod payload schemas and the bridge type.
 * Main validates every payload in both directions with these schemas; the preload and the renderer import
 * types only (channel names come from channels.ts, so the preload bundles no zod). Nothing here may carry a
 * refresh, ID or access token: the renderer gets the display profile and short-lived AWS credentials.
 */
import { z } from 'zod';
import { CHANNELS } from './channels';

export { CHANNELS, PUSH_CHANNELS, type Channel, type PushChannel } from './channels';

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/);

/** Settings names as the sync engine accepts them (main/sync/limits.ts checks them again, with the byte limits). */
export const SettingsDatasetSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/);
// eslint-disable-next-line no-control-regex
export const SettingsKeySchema = z.string().min(1).max(256).regex(/^[^\u0000-\u001f\u007f]+$/);
/** Longest value of one setting, in characters (the engine also limits it to 350,000 UTF-8 bytes). */
export const MAX_SETTING_VALUE_CHARS = 350_000;
export const SettingsValueSchema = z.string().max(MAX_SETTING_VALUE_CHARS);

/** The languages of the screens and of Cognito's managed login (`lang`); renderer/src/i18n has a catalogue for each. */
export const LanguageSchema = z.enum(['en', 'ko']);
export type Language = z.infer<typeof LanguageSchema>;
/** Text sizes: the terminal's own (sign-in and lock screens) and a person's synced preference use the same list. */
export const TextSizeSchema = z.enum(['normal', 'large', 'extra-large']);
export type TextSize = z.infer<typeof TextSizeSchema>;
/** How this terminal shows its screens before anyone signs in: not per person (main/terminal/display.ts). */
export const DisplayViewSchema = z.strictObject({ language: LanguageSchema, textSize: TextSizeSchema });
export type DisplayView = z.infer<typeof DisplayViewSchema>;
/** A quick-unlock PIN as the keypad sends it (main checks the policy's length). It only ever goes renderer -> main. */
export const PinSchema = z.string().regex(/^\d{4,8}$/);

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
  [CHANNELS.setTextSize]: z.strictObject({ textSize: TextSizeSchema }),
  [CHANNELS.getCredentials]: z.strictObject({ roleArn: roleArn.optional() }).optional(),
  [CHANNELS.getSetting]: z.strictObject({ dataset: SettingsDatasetSchema, key: SettingsKeySchema }),
  [CHANNELS.setSetting]: z.strictObject({ dataset: SettingsDatasetSchema, key: SettingsKeySchema, value: SettingsValueSchema }),
  [CHANNELS.setPin]: z.strictObject({ pin: PinSchema }),
  [CHANNELS.unlockWithPin]: z.strictObject({ pin: PinSchema }),
  [CHANNELS.getOrViews]: z.undefined(),
} as const;

export const SessionStateSchema = z.enum(['starting', 'signed-out', 'guest', 'signing-in', 'signed-in', 'locked', 'unlocking', 'error']);
export type SessionState = z.infer<typeof SessionStateSchema>;

export const ErrorViewSchema = z.strictObject({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  /** A more specific message main chose for the code (the catalogue's `errorVariants.<variant>`). */
  variant: z.string().regex(/^[a-z_]{1,40}$/).optional(),
});

/** What the UI may know about the session. Read-only, serialisable, secret-free. */
export const SessionViewSchema = z.strictObject({
  state: SessionStateSchema,
  mode: z.enum(['shared', 'personal']),
  terminalId: z.string(),
  /** The terminal's language and text size (the person's synced text size, if any, applies while they are signed in). */
  display: DisplayViewSchema,
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
  /** Whether per-person settings (sync) are configured on this terminal. */
  settingsAvailable: z.boolean(),
  federatedLabel: z.string().nullable(),
  pendingSignIn: z.strictObject({ expiresAt: z.number(), forUser: z.string().nullable() }).nullable(),
  lastError: ErrorViewSchema.nullable(),
  /** The countdown before the idle lock is showing: seconds left when this view was made. */
  lockWarning: z.strictObject({ secondsLeft: z.number().int().min(0) }).nullable(),
  /** PIN quick unlock (null: not enabled on this terminal). Never the PIN or anything derived from it. */
  quickUnlock: z
    .strictObject({
      pinLength: z.number().int().min(4).max(8),
      /** The person holding the terminal has set a PIN. */
      pinSet: z.boolean(),
      /** Locked, and the PIN unlocks now (within the grace period of an idle lock, tries left). */
      available: z.boolean(),
      attemptsLeft: z.number().int().min(0).nullable(),
      graceEndsAt: z.number().nullable(),
    })
    .nullable(),
  /**
   * No connection to the sign-in service (`sign-in`) or the identity pool (`credentials`): the UI shows the offline
   * screen (reference SI-OFFLINE) with Retry, which starts `during` again; main re-checks by itself (`nextCheckAt`).
   */
  offline: z
    .strictObject({
      target: z.enum(['sign-in', 'credentials']),
      during: z.enum(['sign-in', 'unlock', 'switch']).nullable(),
      since: z.number(),
      nextCheckAt: z.number().nullable(),
    })
    .nullable(),
});
export type SessionView = z.infer<typeof SessionViewSchema>;

export const AwsCredentialsSchema = z.strictObject({
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  sessionToken: z.string(),
  expiration: z.number(),
  roleArn: z.string().nullable(),
});
export type AwsCredentialsView = z.infer<typeof AwsCredentialsSchema>;

/** The signed-in person's setting (null = not set). */
export const SettingValueSchema = z.strictObject({ value: SettingsValueSchema.nullable() });
export type SettingValue = z.infer<typeof SettingValueSchema>;

/**
 * Pushed when a setting of the signed-in person changed (here or on another terminal: `value` null = removed),
 * or `reset` when the person whose settings are loaded changed (sign-in, sign-out, unlock): re-read everything.
 * Never carries the identity id.
 */
export const SettingsChangeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('record'),
    dataset: SettingsDatasetSchema,
    key: SettingsKeySchema,
    value: SettingsValueSchema.nullable(),
    /** The person changed this setting here, and a newer change made on another terminal replaced it: say so. */
    overridden: z.literal(true).optional(),
  }),
  z.strictObject({ kind: z.literal('reset') }),
]);
export type SettingsChangeView = z.infer<typeof SettingsChangeSchema>;

/**
 * The OR screens configured on this terminal (`orViews` in the configuration), for the renderer to build its AWS
 * clients: table names, regions and endpoints IT configured; nothing secret. Each endpoint is on the allowlist.
 */
export const OrViewsSchema = z.strictObject({
  caseBoard: z.strictObject({ tableName: z.string(), region: z.string(), endpoint: z.string() }).nullable(),
});
export type OrViewsView = z.infer<typeof OrViewsSchema>;

/** What main pushes on each push channel, after validating it with the schemas above (main/shell/ipc.ts). */
export type PushPayloads = { [CHANNELS.sessionChanged]: SessionView; [CHANNELS.settingsChanged]: SettingsChangeView };

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
  /** The terminal's text size on the sign-in and lock screens (remembered for the terminal, not the person). */
  setTerminalTextSize(textSize: TextSize): Promise<Result<SessionView>>;
  getCredentials(options?: { roleArn?: string }): Promise<Result<AwsCredentialsView>>;
  /** Sets the signed-in person's quick-unlock PIN (kept in main as a salted hash only). */
  setPin(pin: string): Promise<Result<SessionView>>;
  /** Unlocks with the PIN (same person, within the grace period of an idle lock). */
  unlockWithPin(pin: string): Promise<Result<SessionView>>;
  /** The OR screens configured on this terminal and where they call AWS. */
  getOrViews(): Promise<Result<OrViewsView>>;
  /** The signed-in person's settings (refused while locked or signed out, and for guests). */
  settings: SettingsBridge;
}

export interface SettingsBridge {
  get(dataset: string, key: string): Promise<Result<SettingValue>>;
  set(dataset: string, key: string, value: string): Promise<Result<null>>;
  onChange(listener: (change: SettingsChangeView) => void): () => void;
}
