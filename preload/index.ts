/**
 * Sandboxed preload: exposes `window.scrubin` — named functions over `ipcRenderer.invoke`, never
 * `ipcRenderer` itself. Bundled to one CommonJS file (sandboxed preloads cannot require other modules).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createBridge } from './bridge';
import { CHANNELS } from '../common/contract';

/** Forwards one pushed channel's payload (never the IPC event itself) to `handler`. */
function pushed(channel: string, handler: (payload: unknown) => void): () => void {
  const listener = (_event: IpcRendererEvent, payload: unknown): void => handler(payload);
  ipcRenderer.on(channel, listener);
  return () => ipcRenderer.removeListener(channel, listener);
}

contextBridge.exposeInMainWorld(
  'scrubin',
  createBridge({
    invoke: (channel, payload) => ipcRenderer.invoke(channel, payload),
    onSessionChanged: (handler) => pushed(CHANNELS.sessionChanged, handler),
    onSettingsChanged: (handler) => pushed(CHANNELS.settingsChanged, handler),
  }),
);
