/**
 * IPC: one dispatcher that checks the sender frame, validates the payload with the contract's zod schema,
 * calls the session, and returns a `Result` (value or user-facing error view; never an Error with internals).
 * The Electron registration is a thin loop over `ipcMain.handle`; the renderer test harness calls the same
 * dispatcher, so the contract is exercised end to end without Electron. What main pushes to windows is
 * validated here too (`createPushers`): the preload forwards without checking, so a malformed push is never sent.
 */
import type { z } from 'zod';
import {
  AwsCredentialsSchema,
  CHANNELS,
  OrViewsSchema,
  RequestSchemas,
  SessionViewSchema,
  SettingsChangeSchema,
  type AwsCredentialsView,
  type OrViewsView,
  type PushChannel,
  type Result,
  type SessionView,
  type SettingsChangeView,
  type SettingValue,
  type TextSize,
} from '../../common/contract';
import type { AwsCredentials } from '../identity-pool';
import { ScrubInError, toScrubInError } from '../errors';

/** What the bridge needs from the terminal session (the real one satisfies it structurally). */
export interface BridgeSession {
  view(): SessionView;
  subscribe(listener: (view: SessionView) => void): () => void;
  signIn(options: { federated?: boolean }): Promise<unknown>;
  cancelSignIn(): unknown;
  signOut(): Promise<unknown>;
  lock(): unknown;
  unlock(): Promise<unknown>;
  switchUser(): Promise<unknown>;
  setPin(pin: string): Promise<unknown>;
  unlockWithPin(pin: string): Promise<unknown>;
  continueAsGuest(): Promise<unknown>;
  reportActivity(): unknown;
  setTextSize(textSize: TextSize): Promise<unknown>;
  getCredentials(options: { roleArn?: string }): Promise<AwsCredentials>;
  getSetting(dataset: string, key: string): Promise<string | null>;
  setSetting(dataset: string, key: string, value: string): Promise<void>;
  subscribeSettings(listener: (change: SettingsChangeView) => void): () => void;
}

export interface SenderFrame {
  url: string | undefined;
  isMainFrame: boolean;
}

export type InvokeChannel = Exclude<(typeof CHANNELS)[keyof typeof CHANNELS], PushChannel>;

export const INVOKE_CHANNELS = Object.keys(RequestSchemas) as InvokeChannel[];

export type Dispatch = (channel: string, payload: unknown, sender: SenderFrame) => Promise<Result<unknown>>;

/** Trusted = the app's own page in the top frame: same scheme and host as `trustedOrigin`, nothing else. */
export function isTrustedSender(sender: SenderFrame, trustedOrigin: string): boolean {
  if (!sender.isMainFrame || !sender.url) return false;
  try {
    const url = new URL(sender.url);
    const trusted = new URL(trustedOrigin);
    return url.protocol === trusted.protocol && url.host === trusted.host && !url.username && !url.password;
  } catch {
    return false;
  }
}

export function createDispatcher(
  session: BridgeSession,
  options: {
    trustedOrigin: string;
    onRejected?: (reason: string, channel: string) => void;
    /** The configured OR screens (renderer-endpoints.ts orViewsOf); none when absent. */
    orViews?: OrViewsView;
  },
): Dispatch {
  const reject = (reason: string, channel: string, error: ScrubInError): Result<never> => {
    options.onRejected?.(reason, channel);
    return { ok: false, error: error.toView() };
  };

  const handlers: { [C in InvokeChannel]: (payload: z.output<(typeof RequestSchemas)[C]>) => Promise<unknown> } = {
    [CHANNELS.getSession]: () => Promise.resolve(session.view()),
    [CHANNELS.signIn]: async (p) => (await session.signIn({ ...(p?.federated === undefined ? {} : { federated: p.federated }) }), session.view()),
    [CHANNELS.cancelSignIn]: async () => (await session.cancelSignIn(), session.view()),
    [CHANNELS.signOut]: async () => (await session.signOut(), session.view()),
    [CHANNELS.lock]: async () => (await session.lock(), session.view()),
    [CHANNELS.unlock]: async () => (await session.unlock(), session.view()),
    [CHANNELS.switchUser]: async () => (await session.switchUser(), session.view()),
    [CHANNELS.continueAsGuest]: async () => (await session.continueAsGuest(), session.view()),
    [CHANNELS.reportActivity]: async () => (await session.reportActivity(), null),
    [CHANNELS.setTextSize]: async (p) => (await session.setTextSize(p.textSize), session.view()),
    [CHANNELS.getCredentials]: async (p): Promise<AwsCredentialsView> => {
      const credentials = await session.getCredentials(p?.roleArn ? { roleArn: p.roleArn } : {});
      // Re-shape through the contract: only the five documented fields ever cross the bridge (not the identity id: the renderer has no use for it).
      return AwsCredentialsSchema.parse({
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
        expiration: credentials.expiration,
        roleArn: credentials.roleArn,
      });
    },
    [CHANNELS.getSetting]: async (p): Promise<SettingValue> => ({ value: await session.getSetting(p.dataset, p.key) }),
    [CHANNELS.setSetting]: async (p) => (await session.setSetting(p.dataset, p.key, p.value), null),
    // The PIN goes one way: the answer is the view, which never carries it.
    [CHANNELS.setPin]: async (p) => (await session.setPin(p.pin), session.view()),
    [CHANNELS.unlockWithPin]: async (p) => (await session.unlockWithPin(p.pin), session.view()),
    [CHANNELS.getOrViews]: () => Promise.resolve(OrViewsSchema.parse(options.orViews ?? { caseBoard: null })),
  };

  return async (channel, payload, sender) => {
    if (!Object.hasOwn(handlers, channel)) return reject('unknown-channel', channel, new ScrubInError('invalid_request', { detail: 'unknown channel' }));
    const known = channel as InvokeChannel;
    if (!isTrustedSender(sender, options.trustedOrigin)) {
      return reject('untrusted-sender', known, new ScrubInError('invalid_request', { detail: 'sender frame is not the app' }));
    }
    const parsed = RequestSchemas[known].safeParse(payload);
    if (!parsed.success) return reject('invalid-payload', known, new ScrubInError('invalid_request', { detail: `invalid payload for ${known}` }));
    try {
      const handler = handlers[known] as (p: unknown) => Promise<unknown>;
      const value = await handler(parsed.data);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error: toScrubInError(error).toView() };
    }
  };
}

/** Validates a view before it is pushed to windows (a programming error must not leak fields). */
export function toPushedView(view: SessionView): SessionView {
  return SessionViewSchema.parse(view);
}

/** Only the contract's fields of a settings change (the sync engine's events also carry the identity id). */
function settingsChangeFields(change: SettingsChangeView): unknown {
  if (change.kind === 'reset') return { kind: 'reset' };
  const { dataset, key, value, overridden } = change;
  return { kind: 'record', dataset, key, value, ...(overridden ? { overridden } : {}) };
}

/** Re-shapes a settings change before it is pushed to windows: only the contract's fields (never the identity id). */
export function toPushedSettingsChange(change: SettingsChangeView): SettingsChangeView {
  return SettingsChangeSchema.parse(settingsChangeFields(change));
}

/** What a push needs of a window (BrowserWindow satisfies it). */
export interface PushTarget {
  webContents: { send(channel: string, payload: unknown): void };
}

export interface Pushers {
  sessionChanged: (view: SessionView) => void;
  settingsChanged: (change: SettingsChangeView) => void;
}

/**
 * Pushes to every window of `windows()` only what passes the contract's schema; anything else (a programming
 * error: an extra field, a wrong type) is dropped and reported with the channel and the failing paths, never sent.
 */
export function createPushers(windows: () => Iterable<PushTarget>, onDropped: (channel: PushChannel, problems: string[]) => void): Pushers {
  const send = (channel: PushChannel, parsed: z.ZodSafeParseResult<unknown>): void => {
    if (!parsed.success) {
      // Paths and issue codes only: the rejected values may hold what must not leave main.
      onDropped(channel, parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.code}`));
      return;
    }
    for (const window of windows()) window.webContents.send(channel, parsed.data);
  };
  return {
    sessionChanged: (view) => send(CHANNELS.sessionChanged, SessionViewSchema.safeParse(view)),
    settingsChanged: (change) => send(CHANNELS.settingsChanged, SettingsChangeSchema.safeParse(settingsChangeFields(change))),
  };
}
