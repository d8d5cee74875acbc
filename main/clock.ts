/**
 * Injectable time source. Every timer in the core (idle lock, shift cap, refresh-ahead, pending
 * flow expiry) goes through a Clock so tests drive time exactly and never sleep.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds of this clock's time. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    // Node timers overflow above 2^31-1 ms (~24.8 days); chain shorter ones so long caps still fire.
    const MAX = 2_147_483_647;
    let handle: NodeJS.Timeout;
    const due = Date.now() + ms;
    const arm = (): void => {
      const left = due - Date.now();
      handle = setTimeout(left > MAX ? arm : fn, Math.max(0, Math.min(left, MAX)));
      handle.unref();
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** A manual clock for tests: time moves only when `advance` is called, timers fire in order. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, { due: number; fn: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1, 7, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { due: this.current + Math.max(0, ms), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].due <= target && (!next || entry[1].due < next[1].due)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = next[1].due;
      next[1].fn();
    }
    this.current = target;
  }

  /** Sets the time without firing timers (for clock-skew tests). */
  set(ms: number): void {
    this.current = ms;
  }

  /**
   * Moves the wall clock by `ms` while every timer keeps its remaining time: what a suspend (or a clock change)
   * does to real, monotonic timers. Nothing fires.
   */
  jump(ms: number): void {
    this.current += ms;
    for (const timer of this.timers.values()) timer.due += ms;
  }

  pendingTimers(): number {
    return this.timers.size;
  }
}

/**
 * The app's clock in builds with test hooks (main/shell/test-hooks.ts): real time plus an offset that only grows.
 * Timers fire in real time as usual; `advance(ms)` moves the clock forward and fires at once every timer that
 * falls due, so an end-to-end test reaches the idle lock, credentials expiry or the shift cap without waiting.
 */
export class AdvanceableClock implements Clock {
  private offset = 0;
  private readonly timers = new Set<{ due: number; fn: () => void; real: TimerHandle }>();

  constructor(private readonly base: Clock = systemClock) {}

  now(): number {
    return this.base.now() + this.offset;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const entry = { due: this.now() + Math.max(0, ms), fn, real: { cancel: () => undefined } as TimerHandle };
    this.arm(entry);
    this.timers.add(entry);
    return {
      cancel: () => {
        entry.real.cancel();
        this.timers.delete(entry);
      },
    };
  }

  /** Moves the clock forward by `ms`; every timer now due fires, earliest first; the others keep their due time. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    this.offset += ms;
    for (;;) {
      let next: { due: number; fn: () => void; real: TimerHandle } | undefined;
      for (const entry of this.timers) if (entry.due <= this.now() && (!next || entry.due < next.due)) next = entry;
      if (!next) break;
      this.timers.delete(next);
      next.real.cancel();
      next.fn();
    }
    for (const entry of this.timers) this.arm(entry);
  }

  /** How far this clock is ahead of real time (ms). */
  get offsetMs(): number {
    return this.offset;
  }

  private arm(entry: { due: number; fn: () => void; real: TimerHandle }): void {
    entry.real.cancel();
    entry.real = this.base.setTimer(entry.due - this.now(), () => {
      this.timers.delete(entry);
      entry.fn();
    });
  }
}
