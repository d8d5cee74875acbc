/** The real-time bound used to order work (waitAtMost): it never holds longer than its promise or its bound. */
import { describe, expect, it } from 'vitest';
import { ManualClock, waitAtMost } from '../../main/clock';

describe('waitAtMost', () => {
  it('resolves as soon as the promise settles, fulfilled or rejected, long before the bound', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const waiting = waitAtMost(held, 60_000).then(() => order.push('resumed'));
    order.push('released');
    release();
    await waiting;
    expect(order).toEqual(['released', 'resumed']);
    await expect(waitAtMost(Promise.reject(new Error('refused')), 60_000)).resolves.toBeUndefined();
  });

  it('resolves after the bound when the promise never settles', async () => {
    let settled = false;
    await waitAtMost(new Promise<never>(() => undefined), 5).then(() => {
      settled = true;
    });
    expect(settled).toBe(true);
  });
});

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
