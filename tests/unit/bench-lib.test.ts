import { describe, expect, it } from 'vitest';
import { bootstrapInterval, percentile, seededRandom } from '../../bench/lib';

const median = (v: readonly number[]) => percentile(v, 50);

describe('bench helpers', () => {
  it('percentile is nearest-rank and leaves its input alone', () => {
    const v = [5, 1, 4, 2, 3];
    expect([percentile(v, 0), percentile(v, 50), percentile(v, 95), percentile(v, 100)]).toEqual([1, 3, 5, 5]);
    expect(v).toEqual([5, 1, 4, 2, 3]);
    expect(percentile([], 50)).toBeNaN();
  });

  it('the bootstrap interval of a median holds the median, narrows with more data, and reproduces from its seed', () => {
    const random = seededRandom(7);
    const noisy = (n: number) => Array.from({ length: n }, () => 1 + (random() - 0.5) * 0.2); // 0.9 .. 1.1
    const few = noisy(20);
    const many = noisy(2000);
    const [lowFew, highFew] = bootstrapInterval(few, median);
    const [lowMany, highMany] = bootstrapInterval(many, median);
    expect(lowFew).toBeLessThanOrEqual(median(few));
    expect(highFew).toBeGreaterThanOrEqual(median(few));
    expect(lowMany).toBeLessThanOrEqual(median(many));
    expect(highMany).toBeGreaterThanOrEqual(median(many));
    expect(highMany - lowMany).toBeLessThan(highFew - lowFew);
    expect(bootstrapInterval(few, median, { seed: 3 })).toEqual(bootstrapInterval(few, median, { seed: 3 }));
  });

  it('a constant sample has a zero-width interval; an empty one has none', () => {
    expect(bootstrapInterval([2, 2, 2, 2], median)).toEqual([2, 2]);
    const [low, high] = bootstrapInterval([], median);
    expect(low).toBeNaN();
    expect(high).toBeNaN();
  });
});
