/**
 * The preload as it ships: bundled here, in memory, with the production options of scripts/build.ts, so the
 * test measures the current source whether or not dist/ is fresh (a stale or missing dist/ can neither pass nor
 * fail it). `npm run check:packaging` checks the built dist/preload/index.cjs against the same budget.
 * The bundle is then run against a fake `electron` to see exactly what it exposes.
 */
import { build } from 'esbuild';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../common/channels';
import { PRELOAD_BUDGET_BYTES, preloadProblems } from '../../scripts/check-packaging';
import { preloadBuildOptions } from '../../scripts/build';

let code = '';
beforeAll(async () => {
  const result = await build({ ...preloadBuildOptions(true), write: false, sourcemap: false, logLevel: 'silent' });
  code = result.outputFiles[0]?.text ?? '';
});

describe('preload bundle (production build)', () => {
  it(`stays within ${PRELOAD_BUDGET_BYTES} bytes, requires only electron and carries no schema library`, () => {
    expect(code.length).toBeGreaterThan(0);
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(PRELOAD_BUDGET_BYTES);
    expect(preloadProblems(code)).toEqual([]);
    expect(code).not.toMatch(/ZodError|safeParse/);
  });

  function load() {
    const exposed: [string, unknown][] = [];
    const invoked: [string, unknown][] = [];
    const listeners = new Map<string, (event: unknown, payload: unknown) => void>();
    const ipcRenderer = {
      invoke: (channel: string, payload: unknown) => (invoked.push([channel, payload]), Promise.resolve({ ok: true, value: null })),
      on: (channel: string, listener: (event: unknown, payload: unknown) => void) => listeners.set(channel, listener),
      removeListener: (channel: string) => listeners.delete(channel),
      send: () => {
        throw new Error('the preload must not use send');
      },
    };
    const electron = { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) }, ipcRenderer };
    const module = { exports: {} };
    runInNewContext(code, { require: (id: string) => (id === 'electron' ? electron : undefined), module, exports: module.exports });
    return { exposed, invoked, listeners, ipcRenderer };
  }

  it('exposes window.scrubin with the named functions only, never ipcRenderer', () => {
    const { exposed, ipcRenderer } = load();
    expect(exposed.map(([key]) => key)).toEqual(['scrubin']);
    const api = exposed[0]?.[1] as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(
      ['cancelSignIn', 'continueAsGuest', 'getCredentials', 'getOrViews', 'getSession', 'lock', 'onSessionChanged', 'reportActivity', 'setPin', 'setTerminalTextSize', 'settings', 'signIn', 'signOut', 'switchUser', 'unlock', 'unlockWithPin'].sort(),
    );
    expect(Object.keys(api.settings as object).sort()).toEqual(['get', 'onChange', 'set']);
    const values: unknown[] = [...Object.values(api), ...Object.values(api.settings as Record<string, unknown>)];
    expect(values.filter((v) => v !== api.settings).every((v) => typeof v === 'function')).toBe(true);
    expect(values).not.toContain(ipcRenderer);
    expect(values).not.toContain(ipcRenderer.invoke);
  });

  it('forwards calls to their own channels and pushes without the IPC event', async () => {
    const { exposed, invoked, listeners } = load();
    const api = exposed[0]?.[1] as {
      signIn(o: unknown): Promise<unknown>;
      settings: { set(d: string, k: string, v: string): Promise<unknown> };
      setTerminalTextSize(size: string): Promise<unknown>;
      onSessionChanged(l: (v: unknown) => void): () => void;
    };
    await api.signIn({ federated: true });
    await api.settings.set('prefs', 'textSize', 'large');
    await api.setTerminalTextSize('extra-large');
    expect(invoked).toEqual([
      [CHANNELS.signIn, { federated: true }],
      [CHANNELS.setSetting, { dataset: 'prefs', key: 'textSize', value: 'large' }],
      [CHANNELS.setTextSize, { textSize: 'extra-large' }],
    ]);
    const seen: unknown[][] = [];
    const off = api.onSessionChanged((...args: unknown[]) => seen.push(args));
    listeners.get(CHANNELS.sessionChanged)?.({ sender: 'the IPC event' }, { state: 'signed-out' });
    expect(seen).toEqual([[{ state: 'signed-out' }]]);
    off();
    expect(listeners.has(CHANNELS.sessionChanged)).toBe(false);
  });
});
