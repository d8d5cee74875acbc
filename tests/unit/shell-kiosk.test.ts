/** Kiosk terminals and starts at login: the shell's decisions (main/shell/kiosk.ts), with plain key objects. */
import { describe, expect, it } from 'vitest';
import { autostartDecision, collectDiagnosticsTarget, KIOSK_WINDOW_OPTIONS, kioskKeyAction, mayCloseWindow, type KeyInput } from '../../main/shell/kiosk';

const key = (k: string, mods: Partial<Omit<KeyInput, 'key' | 'type'>> = {}, type = 'keyDown'): KeyInput => ({
  type,
  key: k,
  control: false,
  meta: false,
  alt: false,
  shift: false,
  ...mods,
});
const signedIn = { exit: 'signed-out-shortcut' as const, signedOut: false };
const signedOut = { exit: 'signed-out-shortcut' as const, signedOut: true };
const osOnly = { exit: 'os-only' as const, signedOut: true };

describe('kiosk window', () => {
  it('is full screen, frameless, and cannot be closed, minimised, resized or moved from its frame', () => {
    expect(KIOSK_WINDOW_OPTIONS).toEqual({ kiosk: true, fullscreen: true, frame: false, closable: false, minimizable: false, maximizable: false, resizable: false, movable: false });
  });

  it('a kiosk window refuses to close unless the app is leaving for an allowed reason', () => {
    expect(mayCloseWindow({ kiosk: true, leaving: false })).toBe(false);
    expect(mayCloseWindow({ kiosk: true, leaving: true })).toBe(true);
    expect(mayCloseWindow({ kiosk: false, leaving: false })).toBe(true);
  });
});

describe('kiosk shortcuts', () => {
  it.each([
    ['Alt+F4', key('F4', { alt: true })],
    ['Ctrl+F4', key('F4', { control: true })],
    ['Ctrl+W', key('w', { control: true })],
    ['Ctrl+Q', key('q', { control: true })],
    ['Ctrl+R', key('r', { control: true })],
    ['F5', key('F5')],
    ['F11', key('F11')],
    ['F12', key('F12')],
    ['Ctrl+Shift+I', key('I', { control: true, shift: true })],
    ['Cmd+Q', key('q', { meta: true })],
    ['Cmd+W', key('w', { meta: true })],
    ['Cmd+H', key('h', { meta: true })],
    ['Cmd+M', key('m', { meta: true })],
    ['Cmd+Option+Escape', key('Escape', { meta: true, alt: true })],
  ])('%s is swallowed', (_name, input) => {
    expect(kioskKeyAction(input, signedOut)).toBe('block');
  });

  it.each([
    ['a letter', key('a')],
    ['Shift+letter', key('A', { shift: true })],
    ['Tab', key('Tab')],
    ['Enter', key('Enter')],
    ['Ctrl+C (copy)', key('c', { control: true })],
    ['Ctrl+V (paste)', key('v', { control: true })],
    ['Ctrl+A (select all)', key('a', { control: true })],
    ['Escape', key('Escape')],
  ])('%s reaches the page', (_name, input) => {
    expect(kioskKeyAction(input, signedIn)).toBe('pass');
  });

  it('a key release is never acted on', () => {
    expect(kioskKeyAction(key('w', { control: true }, 'keyUp'), signedOut)).toBe('pass');
  });

  it("IT's chord Ctrl+Alt+Shift+Q quits only while signed out and only when the policy allows it", () => {
    const chord = key('Q', { control: true, alt: true, shift: true });
    expect(kioskKeyAction(chord, signedOut)).toBe('exit');
    expect(kioskKeyAction(chord, signedIn)).toBe('block');
    expect(kioskKeyAction(chord, osOnly)).toBe('block');
    expect(kioskKeyAction(key('q', { control: true, alt: true, shift: true, meta: true }), signedOut)).toBe('block');
  });
});

describe('start at login', () => {
  it('a start by the login entry goes on only when terminal.startAtLogin is on', () => {
    expect(autostartDecision(['/opt/Scrub In/scrub-in', '--autostart'], { startAtLogin: false })).toBe('quit');
    expect(autostartDecision(['/opt/Scrub In/scrub-in', '--autostart'], { startAtLogin: true })).toBe('run');
  });

  it('a start by a person is never stopped by the setting', () => {
    expect(autostartDecision(['/opt/Scrub In/scrub-in'], { startAtLogin: false })).toBe('run');
    expect(autostartDecision(['/opt/Scrub In/scrub-in', 'app.scrubin:/callback?code=x'], { startAtLogin: false })).toBe('run');
  });
});

describe('--collect-diagnostics', () => {
  it('reads the target in both forms', () => {
    expect(collectDiagnosticsTarget(['scrub-in', '--collect-diagnostics', '/tmp/t.zip'])).toBe('/tmp/t.zip');
    expect(collectDiagnosticsTarget(['scrub-in', '--collect-diagnostics=/tmp/u.zip'])).toBe('/tmp/u.zip');
    expect(collectDiagnosticsTarget(['scrub-in'])).toBeUndefined();
  });
});
