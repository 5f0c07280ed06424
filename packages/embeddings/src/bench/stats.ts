/** Latency statistics of one benchmark cell. */

/** Summary of a sample of per-batch latencies, in milliseconds. */
export interface LatencySummary {
  n: number;
  mean: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of an ascending-sorted sample, by linear interpolation between
 * closest ranks (numpy's default "linear" method), so p50 ≤ p95 ≤ p99 always holds.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of an empty sample");
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** Summarises latencies in milliseconds. */
export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const s = Float64Array.from(latenciesMs).sort();
  let sum = 0;
  for (const v of s) sum += v;
  return {
    n: s.length,
    mean: sum / s.length,
    min: s[0] as number,
    p50: quantile(s, 0.5),
    p95: quantile(s, 0.95),
    p99: quantile(s, 0.99),
    max: s[s.length - 1] as number,
  };
}
