/** The manual clock's jump: a suspend or a wall-clock change as monotonic timers see it. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';

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
