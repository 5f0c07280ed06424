import { native } from "@audiomap/core-native";
import { checkMatrix, type Shape } from "./matrix.js";

/** Distance between vectors: euclidean, or cosine distance (1 - cosine similarity). */
export type Metric = "euclidean" | "cosine";

/**
 * How neighbours are found:
 * - "exact": blocked matrix products over all pairs (O(n² d), bounded memory);
 * - "approx": exact search in a 64-dimensional PCA projection for 60 candidates per point,
 *   re-ranked by exact distances (recall depends on how much of the data lies in the top
 *   principal axes; see docs/benchmarks.md);
 * - "auto": "exact" up to `AUTO_EXACT_MAX_POINTS` points, "approx" above.
 */
export type KnnMethod = "exact" | "approx" | "auto";

/** Above this many points, method "auto" switches to "approx". */
export const AUTO_EXACT_MAX_POINTS = 60_000;

export interface KnnOptions {
  /** Neighbours per point. Default 15. */
  k?: number;
  /** Default "euclidean". */
  metric?: Metric;
  /** Default "exact". */
  method?: KnnMethod;
  /** Query points (Float32Array [m, cols]); default: the data themselves, self excluded. */
  queries?: Float32Array;
  /** "cpu" | "cuda" | "cuda:N". Default "cpu". */
  device?: string;
  /** Intra-op threads; 0 = all cores. Default 0. */
  threads?: number;
}

/** Neighbour lists, nearest first: point i's neighbours are indices[i*k .. i*k+k). */
export interface KnnGraph {
  indices: Int32Array;
  distances: Float32Array;
  k: number;
  /** Number of query points (rows of the lists). */
  n: number;
}

/**
 * k nearest neighbours of every row of `data` (or of `options.queries`) among the rows of
 * `data`, computed natively with LibTorch off the main thread.
 *
 * @example
 * const g = await knn(vectors, [n, 768], { k: 15, metric: "cosine" });
 * g.indices.subarray(0, 15); // the 15 nearest other points of point 0
 */
export async function knn(
  data: Float32Array,
  shape: Shape,
  options: KnnOptions = {},
): Promise<KnnGraph> {
  checkMatrix(data, shape);
  const [rows, cols] = shape;
  const k = options.k ?? 15;
  let method = options.method ?? "exact";
  if (method === "auto") method = rows > AUTO_EXACT_MAX_POINTS ? "approx" : "exact";
  const queryRows = options.queries ? options.queries.length / cols : rows;
  if (options.queries) checkMatrix(options.queries, [queryRows, cols], "queries");
  const result = await native().knn(data, rows, cols, {
    k,
    metric: options.metric ?? "euclidean",
    method: options.queries ? "exact" : method,
    ...(options.queries && { queries: options.queries, queryRows }),
    device: options.device ?? "cpu",
    threads: options.threads ?? 0,
  });
  return { indices: result.indices, distances: result.distances, k, n: queryRows };
}
