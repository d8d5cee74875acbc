/**
 * Sandboxed preload: exposes `window.scrubin` with named functions over `ipcRenderer.invoke`.
 * Bundled to one CommonJS file (sandboxed preloads cannot require modules besides electron's subset).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, SessionViewSchema, type ScrubInBridge } from './contract';

const invoke = (channel: string, payload?: unknown) => ipcRenderer.invoke(channel, payload);

const bridge: ScrubInBridge = {
  getSession: () => invoke(CHANNELS.getSession),
  onSessionChanged(listener) {
    const handler = (_event: IpcRendererEvent, view: unknown): void => {
      const parsed = SessionViewSchema.safeParse(view);
      if (parsed.success) listener(parsed.data);
    };
    ipcRenderer.on(CHANNELS.sessionChanged, handler);
    return () => ipcRenderer.removeListener(CHANNELS.sessionChanged, handler);
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
};

contextBridge.exposeInMainWorld('scrubin', Object.freeze(bridge));
