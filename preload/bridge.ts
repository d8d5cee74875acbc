/**
 * The bridge object behind `window.scrubin`, independent of the transport: the preload backs it with
 * `ipcRenderer`, the renderer test harness with a Playwright binding to the same main-process dispatcher.
 * Named functions that forward and nothing else: main validates every request it receives and every push it
 * sends against common/contract.ts, so nothing here imports a schema library (the preload stays small).
 */
import { CHANNELS } from '../common/channels';
import type { ScrubInBridge, SessionView, SettingsBridge, SettingsChangeView } from '../common/contract';

export interface BridgeTransport {
  invoke(channel: string, payload?: unknown): Promise<unknown>;
  /** Subscribes to pushed session views (validated by main before sending); returns an unsubscribe function. */
  onSessionChanged(handler: (view: SessionView) => void): () => void;
  /** Subscribes to pushed settings changes (validated by main before sending); returns an unsubscribe function. */
  onSettingsChanged(handler: (change: SettingsChangeView) => void): () => void;
}

export function createBridge(transport: BridgeTransport): ScrubInBridge {
  // The Result shapes are produced by main's dispatcher from the same contract.
  const invoke = <T>(channel: string, payload?: unknown) => transport.invoke(channel, payload) as Promise<T>;
  const settings: SettingsBridge = Object.freeze({
    get: (dataset, key) => invoke(CHANNELS.getSetting, { dataset, key }),
    set: (dataset, key, value) => invoke(CHANNELS.setSetting, { dataset, key, value }),
    onChange: (listener) => transport.onSettingsChanged((change) => listener(change)),
  } satisfies SettingsBridge);
  return Object.freeze({
    getSession: () => invoke(CHANNELS.getSession),
    onSessionChanged: (listener) => transport.onSessionChanged((view) => listener(view)),
    signIn: (options) => invoke(CHANNELS.signIn, options),
    cancelSignIn: () => invoke(CHANNELS.cancelSignIn),
    signOut: () => invoke(CHANNELS.signOut),
    lock: () => invoke(CHANNELS.lock),
    unlock: () => invoke(CHANNELS.unlock),
    switchUser: () => invoke(CHANNELS.switchUser),
    continueAsGuest: () => invoke(CHANNELS.continueAsGuest),
    reportActivity: () => invoke(CHANNELS.reportActivity),
    setTerminalTextSize: (textSize) => invoke(CHANNELS.setTextSize, { textSize }),
    getCredentials: (options) => invoke(CHANNELS.getCredentials, options),
    setPin: (pin) => invoke(CHANNELS.setPin, { pin }),
    unlockWithPin: (pin) => invoke(CHANNELS.unlockWithPin, { pin }),
    getOrViews: () => invoke(CHANNELS.getOrViews),
    settings,
  } satisfies ScrubInBridge);
}
