/**
 * Kiosk terminals (`terminal.kiosk`) and starts at login (`terminal.startAtLogin`): the decisions, as plain
 * functions over narrow interfaces; main/index.ts attaches them to the window and the app. A kiosk window is
 * full screen without a frame and cannot be closed, minimised, reloaded or left with the usual shortcuts; leaving
 * it is the OS's business (log off, shut down, end task) or, if the policy allows it, IT's shortcut while nobody
 * is signed in. Alt+Tab, Ctrl+Alt+Del and the Windows key belong to the OS: the OS's own kiosk features cover them.
 */
import type { TerminalConfig } from '../config';

/** The BrowserWindow options of a kiosk window (merged over the normal ones). */
export const KIOSK_WINDOW_OPTIONS = {
  kiosk: true,
  fullscreen: true,
  frame: false,
  closable: false,
  minimizable: false,
  maximizable: false,
  resizable: false,
  movable: false,
} as const;

/** What Electron's `before-input-event` tells about a key. */
export interface KeyInput {
  type: string;
  key: string;
  control: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
}

/** IT's way out of a kiosk terminal when the policy allows it: Ctrl+Alt+Shift+Q (Control+Option+Shift+Q on a Mac). */
export function isKioskExitChord(input: KeyInput): boolean {
  return input.control && input.alt && input.shift && !input.meta && input.key.toLowerCase() === 'q';
}

/** Shortcuts that would close, hide, reload or leave the kiosk window (the app menu's included). */
function leavesKiosk(input: KeyInput): boolean {
  const key = input.key.toLowerCase();
  const command = input.control || input.meta;
  if (key === 'f4' && (input.alt || input.control)) return true; // close window / tab
  if (['f5', 'f11', 'f12'].includes(key)) return true; // reload, full screen, devtools
  if (command && ['w', 'q', 'r', 'h', 'm', 'n', 't', 'p'].includes(key)) return true; // close, quit, reload, hide, minimise, new window/tab, print
  if (command && input.shift && ['i', 'j', 'c'].includes(key)) return true; // devtools, console, inspector
  if (input.meta && input.alt && ['h', 'i', 'escape'].includes(key)) return true; // hide others, devtools, force quit
  return false;
}

export type KioskKeyAction = 'pass' | 'block' | 'exit';

/** What to do with a key in a kiosk window: let it through to the page, swallow it, or quit (IT's chord, allowed now). */
export function kioskKeyAction(input: KeyInput, state: { exit: TerminalConfig['kioskExit']; signedOut: boolean }): KioskKeyAction {
  if (input.type !== 'keyDown') return 'pass';
  if (isKioskExitChord(input)) return state.exit === 'signed-out-shortcut' && state.signedOut ? 'exit' : 'block';
  return leavesKiosk(input) ? 'block' : 'pass';
}

/** A kiosk window closes only when the app is leaving for a reason IT allows (OS shutdown or log-off, IT's chord). */
export function mayCloseWindow(state: { kiosk: boolean; leaving: boolean }): boolean {
  return !state.kiosk || state.leaving;
}

export const AUTOSTART_FLAG = '--autostart';

/**
 * The installers start Scrub In at login with `--autostart` on every terminal; the configuration decides whether
 * such a start goes on, so IT switches it without reinstalling.
 */
export function autostartDecision(argv: readonly string[], terminal: Pick<TerminalConfig, 'startAtLogin'>): 'run' | 'quit' {
  return argv.includes(AUTOSTART_FLAG) && !terminal.startAtLogin ? 'quit' : 'run';
}

/** Reads `--collect-diagnostics <file.zip>` (or `=<file>`); the path is resolved by the caller. */
export function collectDiagnosticsTarget(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--collect-diagnostics') return argv[i + 1];
    if (arg?.startsWith('--collect-diagnostics=')) return arg.slice('--collect-diagnostics='.length);
  }
  return undefined;
}
