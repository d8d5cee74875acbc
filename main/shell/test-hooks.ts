/**
 * Test hooks for end-to-end tests (tests/e2e): instead of opening the system browser, main records each
 * authorize/logout URL and lets the test wait for the next one; the app's clock can be moved forward (idle lock,
 * credentials expiry, shift cap without waiting). They exist only when SCRUBIN_TEST_HOOKS=1 AND the build is
 * unpackaged or the packaged test flavour (electron-builder.test.yml); a release build never has them.
 */
import { AdvanceableClock, type Clock } from '../clock';
import type { SystemIdleSource } from '../terminal/ports';

export interface TestHookFacts {
  env: NodeJS.ProcessEnv;
  packaged: boolean;
  /** The packaged test flavour (package.json `scrubinTestBuild: true`). */
  testBuild: boolean;
}

/** When in doubt, deny: only the exact switch, and only in an unpackaged build or the packaged test flavour. */
export function testHooksAllowed(facts: TestHookFacts): boolean {
  return facts.env.SCRUBIN_TEST_HOOKS === '1' && (!facts.packaged || facts.testBuild);
}

/** What a test reaches through `electronApp.evaluate(() => globalThis.__scrubinTestHooks)`. */
export interface TestHooksGlobal {
  /** Every URL the app asked the OS to open, in order. */
  external: string[];
  /** Resolves with the URL at `index` as soon as the app opens it (no polling). */
  waitExternal(index: number): Promise<string>;
  /** Moves the app's clock forward by `ms`; timers that fall due fire at once. */
  advanceClock(ms: number): void;
  /** The app's clock now (ms since the epoch). */
  now(): number;
  /** Someone used the terminal's keyboard or pointer (in any application): the fake OS idle time starts again. */
  systemInput(): void;
}

/**
 * The OS idle time on the app's clock, for test builds: the real `getSystemIdleTime()` does not follow a clock moved
 * forward. Input is what the OS would see: the window's real input events (main/index.ts) or `systemInput()`.
 */
export class ClockIdleSource implements SystemIdleSource {
  private lastInput: number;
  constructor(private readonly clock: Clock) {
    this.lastInput = clock.now();
  }
  input(): void {
    this.lastInput = this.clock.now();
  }
  idleSeconds(): number {
    return Math.max(0, Math.floor((this.clock.now() - this.lastInput) / 1000));
  }
}

export interface TestHooks {
  clock: AdvanceableClock;
  idle: ClockIdleSource;
  /** Records `url` in place of opening the system browser. */
  open(url: string): void;
  global: TestHooksGlobal;
}

export function createTestHooks(): TestHooks {
  const clock = new AdvanceableClock();
  const idle = new ClockIdleSource(clock);
  const urls: string[] = [];
  const waiters: Array<{ index: number; resolve: (url: string) => void }> = [];
  return {
    clock,
    idle,
    open(url) {
      urls.push(url);
      for (const waiter of waiters.splice(0)) {
        const found = urls[waiter.index];
        if (found !== undefined) waiter.resolve(found);
        else waiters.push(waiter);
      }
    },
    global: {
      external: urls,
      waitExternal: (index) =>
        new Promise<string>((resolve) => {
          const url = urls[index];
          if (url !== undefined) resolve(url);
          else waiters.push({ index, resolve });
        }),
      advanceClock: (ms) => {
        clock.advance(ms);
      },
      now: () => clock.now(),
      systemInput: () => {
        idle.input();
      },
    },
  };
}
