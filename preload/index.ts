/**
 * Sandboxed preload: exposes `window.scrubin` — named functions over `ipcRenderer.invoke`, never
 * `ipcRenderer` itself. Bundled to one small CommonJS file (sandboxed preloads cannot require other modules);
 * it imports no schema library: main validates what it receives and what it pushes (main/shell/ipc.ts).
 * tests/unit/preload.test.ts keeps it under its size budget and checks what it exposes.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createBridge } from './bridge';
import { CHANNELS, type PushChannel } from '../common/channels';
import type { PushPayloads } from '../common/contract';

/** Forwards one pushed channel's payload (never the IPC event itself) to `handler`. */
function pushed<C extends PushChannel>(channel: C, handler: (payload: PushPayloads[C]) => void): () => void {
  // Only main sends on these channels, and it sends only payloads that passed the contract's schema.
  const listener = (_event: IpcRendererEvent, payload: PushPayloads[C]): void => handler(payload);
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
