/**
 * The bridge object behind `window.scrubin`, independent of the transport: the preload backs it with
 * `ipcRenderer`, the renderer test harness with a Playwright binding to the same main-process dispatcher.
 */
import { CHANNELS, SessionViewSchema, SettingsChangeSchema, type ScrubInBridge, type SettingsBridge } from '../common/contract';

export interface BridgeTransport {
  invoke(channel: string, payload?: unknown): Promise<unknown>;
  /** Subscribes to pushed session views; returns an unsubscribe function. */
  onSessionChanged(handler: (view: unknown) => void): () => void;
  /** Subscribes to pushed settings changes; returns an unsubscribe function. */
  onSettingsChanged(handler: (change: unknown) => void): () => void;
}

export function createBridge(transport: BridgeTransport): ScrubInBridge {
  // The Result shapes are produced by main's dispatcher from the same contract.
  const invoke = <T>(channel: string, payload?: unknown) => transport.invoke(channel, payload) as Promise<T>;
  const settings: SettingsBridge = Object.freeze({
    get: (dataset, key) => invoke(CHANNELS.getSetting, { dataset, key }),
    set: (dataset, key, value) => invoke(CHANNELS.setSetting, { dataset, key, value }),
    onChange(listener) {
      return transport.onSettingsChanged((change) => {
        const parsed = SettingsChangeSchema.safeParse(change);
        if (parsed.success) listener(parsed.data);
      });
    },
  } satisfies SettingsBridge);
  return Object.freeze({
    getSession: () => invoke(CHANNELS.getSession),
    onSessionChanged(listener) {
      return transport.onSessionChanged((view) => {
        const parsed = SessionViewSchema.safeParse(view);
        if (parsed.success) listener(parsed.data);
      });
    },
    signIn: (options) => invoke(CHANNELS.signIn, options),
    cancelSignIn: () => invoke(CHANNELS.cancelSignIn),
    signOut: () => invoke(CHANNELS.signOut),
    lock: () => invoke(CHANNELS.lock),
    unlock: () => invoke(CHANNELS.unlock),
    switchUser: () => invoke(CHANNELS.switchUser),
    continueAsGuest: () => invoke(CHANNELS.continueAsGuest),
    reportActivity: () => invoke(CHANNELS.reportActivity),
    getCredentials: (options) => invoke(CHANNELS.getCredentials, options),
    settings,
  } satisfies ScrubInBridge);
}
