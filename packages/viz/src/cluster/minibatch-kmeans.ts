import { native } from "@audiomap/core-native";
import { checkMatrix, type Shape } from "../knn/matrix.js";
import { checkClusterCount } from "./check.js";
import type { KmeansResult } from "./kmeans.js";

/** Options of {@link miniBatchKmeans}; the defaults are scikit-learn 1.2's MiniBatchKMeans. */
export interface MiniBatchKmeansOptions {
  /** Number of clusters (required). */
  k: number;
  /** Rows per step, drawn uniformly with replacement. Default 1024. */
  batchSize?: number;
  /** Passes over the data at most (the run stops after maxIter × n / batchSize steps). Default 100. */
  maxIter?: number;
  /** Stop after this many steps without improvement of the smoothed batch inertia. Default 10. */
  maxNoImprovement?: number;
  /** k-means++ seedings, each on 3 × batchSize random rows; the best on a validation subset wins. Default 3. */
  nInit?: number;
  /** Seed (integer). Default 0. */
  seed?: number;
  /** Intra-op threads; 0 = all cores. Default 0. */
  threads?: number;
}

export interface MiniBatchKmeansResult extends KmeansResult {
  /** Mini-batch steps taken. */
  steps: number;
}

/**
 * Mini-batch k-means (Sculley 2010) with scikit-learn 1.2's MiniBatchKMeans rules: k-means++ on
 * random subsets, each step moves a centre to the running mean of every row it has absorbed
 * (learning rate 1 / count), starved centres are reassigned to random rows, and the run stops
 * when the exponentially weighted batch inertia stops improving. Then every row gets its nearest
 * final centre. For data too large for full Lloyd iterations (1M+ points); slightly higher
 * inertia than {@link kmeans}. Native, CPU, off the main thread; same seed, same result.
 *
 * @example
 * const { labels } = await miniBatchKmeans(vectors, [1_000_000, 144], { k: 50, seed: 1 });
 */
export async function miniBatchKmeans(
  data: Float32Array,
  shape: Shape,
  options: MiniBatchKmeansOptions,
): Promise<MiniBatchKmeansResult> {
  checkMatrix(data, shape);
  const [rows, cols] = shape;
  const { k } = options;
  checkClusterCount(k, rows);
  const r = await native().miniBatchKmeans(data, rows, cols, {
    k,
    batchSize: options.batchSize ?? 1024,
    maxIter: options.maxIter ?? 100,
    maxNoImprovement: options.maxNoImprovement ?? 10,
    nInit: options.nInit ?? 3,
    seed: options.seed ?? 0,
    threads: options.threads ?? 0,
  });
  return { ...r, k };
}
