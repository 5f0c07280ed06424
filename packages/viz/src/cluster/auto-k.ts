import type { Metric } from "../knn/knn.js";
import type { Shape } from "../knn/matrix.js";
import { silhouette } from "../metrics/silhouette.js";
import { type KmeansOptions, type KmeansResult, kmeans } from "./kmeans.js";

export interface AutoKOptions extends Omit<KmeansOptions, "k"> {
  /** Smallest k tried. Default 2. */
  kMin?: number;
  /** Largest k tried. Default 10. */
  kMax?: number;
  /** Metric of the silhouette. Default "euclidean". */
  metric?: Metric;
  /**
   * Silhouette on a seeded subset of this many points (silhouette is O(n²)). Default 10,000.
   */
  sampleSize?: number;
}

export interface AutoKResult extends KmeansResult {
  /** Silhouette of every k tried, in order. */
  scores: Array<{ k: number; silhouette: number }>;
}

/**
 * k-means for every k in [kMin, kMax]; returns the run with the highest silhouette (the first
 * such k on ties), with the sweep's scores.
 *
 * @example
 * const { k, labels, scores } = await autoK(vectors, [n, 768], { kMin: 5, kMax: 40 });
 */
export async function autoK(
  data: Float32Array,
  shape: Shape,
  options: AutoKOptions = {},
): Promise<AutoKResult> {
  const kMin = Math.max(2, options.kMin ?? 2);
  const kMax = Math.min(options.kMax ?? 10, shape[0] - 1);
  if (kMax < kMin) {
    throw Object.assign(new RangeError(`empty k range [${kMin}, ${kMax}] for ${shape[0]} points`), {
      code: "ERR_K",
    });
  }
  const { kMin: _a, kMax: _b, metric, sampleSize, ...kmOptions } = options;
  const scores: AutoKResult["scores"] = [];
  let best: KmeansResult | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let k = kMin; k <= kMax; k++) {
    const result = await kmeans(data, shape, { ...kmOptions, k });
    const score = await silhouette(data, shape, result.labels, {
      metric: metric ?? "euclidean",
      sampleSize: sampleSize ?? 10_000,
      seed: options.seed ?? 0,
    });
    scores.push({ k, silhouette: score });
    if (score > bestScore) {
      bestScore = score;
      best = result;
    }
  }
  return { ...best!, scores };
}
