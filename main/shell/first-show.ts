/**
 * How the main window first appears, without importing Electron, so it is unit-tested with plain objects
 * (tests/unit/shell.test.ts): created hidden, painted with the page's own background colour, and shown once the
 * renderer has drawn its first frame. No white flash, no half-drawn screen on a terminal that has just rebooted.
 */

/** The renderer's page background (`--bg` in renderer/src/styles.css; a unit test keeps the two equal). */
export const APP_BACKGROUND = '#0b1f33';

/** Spread into the BrowserWindow options (window.ts keeps them literal for electronegativity). */
export const FIRST_SHOW = { show: false, backgroundColor: APP_BACKGROUND } as const;

/** Shown anyway after this long if the renderer never reports a first frame (e.g. it crashed while loading). */
export const SHOW_FALLBACK_MS = 5_000;

/** What showing needs of a window (BrowserWindow satisfies it). */
export interface ShowableWindow {
  once(event: 'ready-to-show', listener: () => void): unknown;
  show(): void;
  isDestroyed(): boolean;
}

/** Shows `window` on its first `ready-to-show`, or after `fallbackMs` if that never comes; once either way. */
export function showWhenReady(window: ShowableWindow, fallbackMs = SHOW_FALLBACK_MS): void {
  let shown = false;
  const show = (): void => {
    clearTimeout(fallback);
    if (shown || window.isDestroyed()) return;
    shown = true;
    window.show();
  };
  const fallback = setTimeout(show, fallbackMs);
  window.once('ready-to-show', show);
}
