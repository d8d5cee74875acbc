/**
 * The operating system's sleep and screen-lock events (Electron `powerMonitor`) handed to the terminal session:
 * it locks on suspend and on the OS screen lock, and re-checks its wall-clock deadlines on resume and unlock.
 * Also the OS idle time (`getSystemIdleTime`), so input anywhere on the terminal counts as activity.
 */
import type { SystemIdleSource } from '../terminal/ports';
import type { SystemEvent } from '../terminal/timers';

/**
 * The part of Electron's `powerMonitor` used here (a plain EventEmitter in unit tests). One overload per event,
 * as Electron declares them: a single signature over the union would not accept `powerMonitor`.
 */
/* eslint-disable @typescript-eslint/unified-signatures */
export interface PowerEvents {
  on(event: 'suspend', listener: () => void): unknown;
  on(event: 'lock-screen', listener: () => void): unknown;
  on(event: 'resume', listener: () => void): unknown;
  on(event: 'unlock-screen', listener: () => void): unknown;
}
/* eslint-enable @typescript-eslint/unified-signatures */

export function forwardPowerEvents(power: PowerEvents, onEvent: (event: SystemEvent) => void): void {
  power.on('suspend', () => {
    onEvent('suspend');
  });
  power.on('lock-screen', () => {
    onEvent('lock-screen');
  });
  power.on('resume', () => {
    onEvent('resume');
  });
  power.on('unlock-screen', () => {
    onEvent('unlock-screen');
  });
}

/** The part of Electron's `powerMonitor` that reports the whole terminal's idle time. */
export interface IdleClock {
  getSystemIdleTime(): number;
}

/** The OS idle time (input in any application) as the terminal session's `SystemIdleSource`. */
export function systemIdleSource(power: IdleClock): SystemIdleSource {
  return { idleSeconds: () => power.getSystemIdleTime() };
}
