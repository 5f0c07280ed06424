import { native } from "@audiomap/core-native";
import { checkMatrix, type Shape } from "../knn/matrix.js";
import { checkClusterCount } from "./check.js";

export interface KmeansOptions {
  /** Number of clusters (required). */
  k: number;
  /** Restarts with different k-means++ seeds; the lowest inertia wins. Default 10. */
  nInit?: number;
  /** Seed of the k-means++ draws (integer). Default 0. */
  seed?: number;
  /** Lloyd iterations per restart. Default 300. */
  maxIter?: number;
  /**
   * Convergence: total squared centroid shift at most tol × the mean per-feature variance
   * (scikit-learn's convention). Default 1e-4.
   */
  tol?: number;
  /** "cpu" | "cuda" | "cuda:N". Default "cpu". */
  device?: string;
  /** Intra-op threads; 0 = all cores. Default 0. */
  threads?: number;
}

export interface KmeansResult {
  /** Cluster of each point, 0..k-1. */
  labels: Int32Array;
  /** Row-major centroids [k, d]. */
  centroids: Float32Array;
  k: number;
  /** Sum of squared distances of points to their centroid. */
  inertia: number;
  /** Lloyd iterations of the winning restart. */
  iterations: number;
}

/**
 * Lloyd k-means as scikit-learn's KMeans(algorithm="lloyd"): greedy k-means++ seeding (2 + ⌊ln k⌋
 * candidates per centre, drawn in proportion to the squared distance to the nearest centre so
 * far), Lloyd iterations until no label changes or the centres' total squared shift is at most
 * tol × the mean feature variance, then a last assignment so the labels match the centres.
 * Native and off the main thread; on the CPU the assignment steps use Hamerly's bounds (the
 * same labels as plain Lloyd with fewer distance computations). Same seed, same result.
 * For 1M+ points see {@link miniBatchKmeans}.
 *
 * @example
 * const { labels } = await kmeans(vectors, [n, 768], { k: 14, seed: 1 });
 */
export async function kmeans(
  data: Float32Array,
  shape: Shape,
  options: KmeansOptions,
): Promise<KmeansResult> {
  checkMatrix(data, shape);
  const [rows, cols] = shape;
  const { k } = options;
  checkClusterCount(k, rows);
  const r = await native().kmeans(data, rows, cols, {
    k,
    nInit: options.nInit ?? 10,
    seed: options.seed ?? 0,
    maxIter: options.maxIter ?? 300,
    tol: options.tol ?? 1e-4,
    device: options.device ?? "cpu",
    threads: options.threads ?? 0,
  });
  return { ...r, k };
}
