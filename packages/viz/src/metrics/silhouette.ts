import { native } from "@audiomap/core-native";
import type { Metric } from "../knn/knn.js";
import { checkMatrix, type Shape } from "../knn/matrix.js";
import { encodeLabels, type Labels } from "./labels.js";
import { sampleIndices, takeRows } from "./sample.js";

export interface SilhouetteOptions {
  /** Default "euclidean". */
  metric?: Metric;
  /**
   * Score a seeded random subset of this many points (distances among the subset only, as
   * scikit-learn's `sample_size`). Default: all points (O(n² d) work).
   */
  sampleSize?: number;
  /** Seed of the subset. Default 0. */
  seed?: number;
}

/**
 * Per-point silhouette (b - a) / max(a, b), with a the mean distance to the point's own cluster
 * and b the smallest mean distance to another cluster; 0 for points alone in their cluster.
 * Distances are computed natively in float64. Equals `sklearn.metrics.silhouette_samples`.
 */
export async function silhouetteSamples(
  data: Float32Array,
  shape: Shape,
  labels: Labels,
  options: Omit<SilhouetteOptions, "sampleSize" | "seed"> = {},
): Promise<Float64Array> {
  checkMatrix(data, shape);
  const [n, d] = shape;
  if (labels.length !== n) {
    throw Object.assign(new RangeError(`labels: expected ${n}, got ${labels.length}`), {
      code: "ERR_LABELS_LENGTH",
    });
  }
  const { codes, classes } = encodeLabels(labels);
  const k = classes.length;
  if (k < 2 || k > n - 1) {
    throw Object.assign(
      new RangeError(`silhouette needs 2 <= number of labels <= n - 1 (got ${k} labels, n=${n})`),
      { code: "ERR_SILHOUETTE_LABELS" },
    );
  }
  const sums = await native().clusterDistanceSums(data, n, d, codes, k, {
    metric: options.metric ?? "euclidean",
  });
  const counts = new Float64Array(k);
  for (const c of codes) counts[c]! += 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = codes[i]!;
    if (counts[own]! <= 1) continue; // alone in its cluster: 0 by convention
    const a = sums[i * k + own]! / (counts[own]! - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== own) b = Math.min(b, sums[i * k + c]! / counts[c]!);
    const m = Math.max(a, b);
    out[i] = m > 0 ? (b - a) / m : 0;
  }
  return out;
}

/**
 * Mean silhouette over the points (or over a seeded subset), as
 * `sklearn.metrics.silhouette_score`. Range [-1, 1]; higher means tighter, better separated
 * clusters.
 *
 * @example
 * await silhouette(vectors, [n, 768], clusters, { metric: "cosine" })
 */
export async function silhouette(
  data: Float32Array,
  shape: Shape,
  labels: Labels,
  options: SilhouetteOptions = {},
): Promise<number> {
  checkMatrix(data, shape);
  const [n, d] = shape;
  let x = data;
  let y = labels;
  let m = n;
  if (options.sampleSize !== undefined && options.sampleSize < n) {
    const idx = sampleIndices(n, options.sampleSize, options.seed ?? 0);
    x = takeRows(data, d, idx);
    const src = labels as ArrayLike<number | string>;
    y = Array.from(idx, (i) => src[i]!) as Labels;
    m = idx.length;
  }
  const s = await silhouetteSamples(x, [m, d], y, { metric: options.metric ?? "euclidean" });
  let total = 0;
  for (const v of s) total += v;
  return total / m;
}
