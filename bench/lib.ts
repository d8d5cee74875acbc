/** Small helpers shared by the benchmarks and the resilience suite: seeded PRNG, percentiles, a text table. */

/** mulberry32: a tiny seeded PRNG (uniform in [0, 1)), so every generated case reproduces from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile (p in 0..100) of `values` (not modified). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/**
 * Percentile bootstrap interval of `stat` over `values`: `iterations` resamples drawn with replacement (seeded, so a
 * run reproduces) and the central `level` share of the resampled statistic. It says how far this run's statistic
 * could move from sampling alone; it does not cover a machine that is slower all day.
 */
export function bootstrapInterval(
  values: readonly number[],
  stat: (sample: readonly number[]) => number,
  options: { iterations?: number; seed?: number; level?: number } = {},
): [number, number] {
  if (values.length === 0) return [Number.NaN, Number.NaN];
  const random = seededRandom(options.seed ?? 1);
  const iterations = Math.max(1, Math.floor(options.iterations ?? 2000));
  const level = Math.min(Math.max(options.level ?? 0.95, 0), 1);
  const stats: number[] = [];
  const sample: number[] = new Array<number>(values.length);
  for (let i = 0; i < iterations; i += 1) {
    for (let j = 0; j < values.length; j += 1) sample[j] = values[Math.floor(random() * values.length)] ?? Number.NaN;
    stats.push(stat(sample));
  }
  const tail = ((1 - level) / 2) * 100;
  return [percentile(stats, tail), percentile(stats, 100 - tail)];
}

export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export const ms = (v: number, digits = 2): string => `${v.toFixed(digits)} ms`;
