/**
 * Sandboxed preload: exposes `window.scrubin` — named functions over `ipcRenderer.invoke`, never
 * `ipcRenderer` itself. Bundled to one CommonJS file (sandboxed preloads cannot require other modules).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createBridge } from './bridge';
import { CHANNELS } from './contract';

contextBridge.exposeInMainWorld(
  'scrubin',
  createBridge({
    invoke: (channel, payload) => ipcRenderer.invoke(channel, payload),
    onSessionChanged(handler) {
      const listener = (_event: IpcRendererEvent, view: unknown): void => handler(view);
      ipcRenderer.on(CHANNELS.sessionChanged, listener);
      return () => ipcRenderer.removeListener(CHANNELS.sessionChanged, listener);
    },
  }),
);
