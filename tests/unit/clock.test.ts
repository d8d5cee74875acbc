/** The real-time bound used to order work (waitAtMost): it never holds longer than its promise or its bound. */
import { describe, expect, it } from 'vitest';
import { waitAtMost } from '../../main/clock';

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
