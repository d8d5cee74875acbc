/** The manual clock's jump: a suspend or a wall-clock change as monotonic timers see it. */
import { describe, expect, it } from 'vitest';
import { AdvanceableClock, ManualClock } from '../../main/clock';

describe('ManualClock.jump (a suspend or a clock change as monotonic timers see it)', () => {
  it('moves the wall clock but every timer keeps its remaining time', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimer(1_000, () => fired.push(clock.now()));
    clock.jump(10_000);
    expect(clock.now()).toBe(10_000);
    expect(fired).toEqual([]);
    clock.advance(999);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([11_000]);
  });
});

describe('AdvanceableClock (the app clock of builds with test hooks)', () => {
  it('follows real time, and advance() fires due timers at once, earliest first, without firing later ones twice', () => {
    const real = new ManualClock(0);
    const clock = new AdvanceableClock(real);
    const fired: string[] = [];
    clock.setTimer(300_000, () => fired.push(`idle@${clock.now()}`));
    clock.setTimer(60_000, () => fired.push(`early@${clock.now()}`));
    clock.setTimer(3_600_000, () => fired.push('cap'));
    real.advance(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(299_000);
    expect(fired).toEqual(['early@300000', 'idle@300000']);
    real.advance(300_000); // the real timers of fired entries were cancelled; the cap timer was re-armed
    expect(fired).toEqual(['early@300000', 'idle@300000']);
    real.advance(3_000_000);
    expect(fired).toEqual(['early@300000', 'idle@300000', 'cap']);
    expect(clock.offsetMs).toBe(299_000);
  });

  it('a cancelled timer never fires; the clock never moves back', () => {
    const real = new ManualClock(0);
    const clock = new AdvanceableClock(real);
    let fired = false;
    clock.setTimer(10, () => (fired = true)).cancel();
    clock.advance(20);
    real.advance(20);
    expect(fired).toBe(false);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(real.pendingTimers()).toBe(0);
  });
});
