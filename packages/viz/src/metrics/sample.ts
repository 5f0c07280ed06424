import { seededRandom } from "../umap/random.js";

/**
 * `m` distinct indices of [0, n), sorted, drawn with a seeded partial Fisher-Yates shuffle;
 * all of them when m >= n.
 */
export function sampleIndices(n: number, m: number, seed: number): Int32Array {
  if (m >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, m).sort();
}

/** Rows `idx` of a [*, cols] matrix, copied. */
export function takeRows(data: Float32Array, cols: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * cols);
  for (const [i, r] of idx.entries()) out.set(data.subarray(r * cols, (r + 1) * cols), i * cols);
  return out;
}
