/**
 * Pooling across the windows of a long recording, and L2 normalisation.
 *
 * Each window arrives already pooled over its valid frames by the model runtime. Windows are
 * combined weighted by their valid frame counts, so a short tail window counts for less:
 * - mean: the frame-weighted mean of the window means;
 * - max: the element-wise max;
 * - meanstd ([mean | std], width 2H): the pooled mean as above, and the std recombined from the
 *   windows' second moments, E[x²] = Σ wₖ(σₖ² + μₖ²) / Σ wₖ, σ = √(E[x²] − μ²). The runtime's std
 *   is the population std (divide by the frame count), which is what makes this exact.
 * Frames inside the overlap of two windows are counted in both; with the default overlap this
 * weights them slightly more, a documented approximation.
 */
import type { PoolMode } from "./types.js";

/**
 * Combines `k` window vectors (rows of `vectors`, each `width` wide) into one, weighted by
 * `weights` (valid frames per window).
 */
export function poolWindows(
  vectors: Float32Array,
  weights: ArrayLike<number>,
  width: number,
  pool: PoolMode,
): Float32Array {
  const k = weights.length;
  const out = new Float32Array(width);
  if (k === 1) {
    out.set(vectors.subarray(0, width));
    return out;
  }
  if (pool === "max") {
    out.fill(Number.NEGATIVE_INFINITY);
    for (let w = 0; w < k; w++) {
      for (let d = 0; d < width; d++)
        out[d] = Math.max(out[d] as number, vectors[w * width + d] as number);
    }
    return out;
  }
  let total = 0;
  for (let w = 0; w < k; w++) total += weights[w] as number;
  if (pool === "mean") {
    for (let w = 0; w < k; w++) {
      const f = (weights[w] as number) / total;
      for (let d = 0; d < width; d++)
        out[d] = (out[d] as number) + f * (vectors[w * width + d] as number);
    }
    return out;
  }
  const h = width / 2;
  const second = new Float64Array(h);
  const mean = new Float64Array(h);
  for (let w = 0; w < k; w++) {
    const f = (weights[w] as number) / total;
    for (let d = 0; d < h; d++) {
      const mu = vectors[w * width + d] as number;
      const sd = vectors[w * width + h + d] as number;
      mean[d] = (mean[d] as number) + f * mu;
      second[d] = (second[d] as number) + f * (sd * sd + mu * mu);
    }
  }
  for (let d = 0; d < h; d++) {
    const m = mean[d] as number;
    out[d] = m;
    out[h + d] = Math.sqrt(Math.max(0, (second[d] as number) - m * m));
  }
  return out;
}

/** Scales `v` in place to unit L2 norm (a zero vector stays zero). */
export function l2Normalize(v: Float32Array, offset = 0, width = v.length - offset): void {
  let s = 0;
  for (let d = 0; d < width; d++) s += (v[offset + d] as number) ** 2;
  if (s === 0) return;
  const inv = 1 / Math.sqrt(s);
  for (let d = 0; d < width; d++) v[offset + d] = (v[offset + d] as number) * inv;
}

/**
 * Per-utterance zero mean / unit variance over the valid samples, as the HF feature extractor
 * does (population variance, eps 1e-7 added to the variance). Applied in place; only used when
 * the model's metadata says `do_normalize`.
 */
export function normalizeInPlace(x: Float32Array, eps = 1e-7): void {
  const n = x.length;
  if (n === 0) return;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] as number;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += ((x[i] as number) - mean) ** 2;
  const inv = 1 / Math.sqrt(v / n + eps);
  for (let i = 0; i < n; i++) x[i] = ((x[i] as number) - mean) * inv;
}
