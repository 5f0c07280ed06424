import type { Metric } from "../knn/knn.js";
import type { Shape } from "../knn/matrix.js";
import { sampleIndices, takeRows } from "../metrics/sample.js";
import { silhouette } from "../metrics/silhouette.js";
import { type KmeansOptions, type KmeansResult, kmeans } from "./kmeans.js";
import { miniBatchKmeans } from "./minibatch-kmeans.js";

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
  /**
   * Above this many points the k sweep runs on a seeded uniform sample of this many rows, and
   * only the chosen k is fitted on all rows: the sweep costs (kMax - kMin + 1) fits of the
   * sample, not of the data. Default 50,000.
   */
  fitSampleSize?: number;
  /** The final fit on all rows uses {@link miniBatchKmeans} (for 1M+ points). Default false. */
  miniBatch?: boolean;
}

export interface AutoKResult extends KmeansResult {
  /** Silhouette of every k tried, in order. */
  scores: Array<{ k: number; silhouette: number }>;
  /** Rows the k sweep ran on: n, or fitSampleSize when the data has more rows. */
  sweepRows: number;
}

/**
 * k-means for every k in [kMin, kMax]; returns the run with the highest silhouette (the first
 * such k on ties), with the sweep's scores. Above `fitSampleSize` points (default 50,000) the
 * sweep runs on a uniform sample of that many rows and the chosen k is then fitted once on all
 * rows (with mini-batch k-means when `miniBatch` is set).
 *
 * @example
 * const { k, labels, scores } = await autoK(vectors, [n, 768], { kMin: 5, kMax: 40 });
 */
export async function autoK(
  data: Float32Array,
  shape: Shape,
  options: AutoKOptions = {},
): Promise<AutoKResult> {
  const [n, cols] = shape;
  const kMin = Math.max(2, options.kMin ?? 2);
  const kMax = Math.min(options.kMax ?? 10, n - 1);
  if (kMax < kMin) {
    throw Object.assign(new RangeError(`empty k range [${kMin}, ${kMax}] for ${n} points`), {
      code: "ERR_K",
    });
  }
  const fitSampleSize = options.fitSampleSize ?? 50_000;
  if (!Number.isInteger(fitSampleSize) || fitSampleSize <= kMax) {
    throw Object.assign(
      new RangeError(`fitSampleSize=${fitSampleSize} must be an integer above kMax=${kMax}`),
      { code: "ERR_K" },
    );
  }
  const {
    kMin: _a,
    kMax: _b,
    metric,
    sampleSize,
    fitSampleSize: _c,
    miniBatch,
    ...kmOptions
  } = options;
  const seed = options.seed ?? 0;
  const sampled = n > fitSampleSize;
  const sweepRows = sampled ? fitSampleSize : n;
  const sweepData = sampled ? takeRows(data, cols, sampleIndices(n, fitSampleSize, seed)) : data;
  const sweepShape: Shape = [sweepRows, cols];
  const scores: AutoKResult["scores"] = [];
  let best: KmeansResult | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let k = kMin; k <= kMax; k++) {
    const result = await kmeans(sweepData, sweepShape, { ...kmOptions, k });
    const score = await silhouette(sweepData, sweepShape, result.labels, {
      metric: metric ?? "euclidean",
      sampleSize: sampleSize ?? 10_000,
      seed,
    });
    scores.push({ k, silhouette: score });
    if (score > bestScore) {
      bestScore = score;
      best = result;
    }
  }
  if (!sampled && !miniBatch) return { ...best!, scores, sweepRows };
  const k = best!.k;
  const full = miniBatch
    ? await miniBatchKmeans(data, shape, {
        k,
        seed,
        ...(kmOptions.threads !== undefined && { threads: kmOptions.threads }),
      })
    : await kmeans(data, shape, { ...kmOptions, k });
  return { ...full, scores, sweepRows };
}
