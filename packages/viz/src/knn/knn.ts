import { native } from "@audiomap/core-native";
import { checkMatrix, type Shape } from "./matrix.js";

/** Distance between vectors: euclidean, or cosine distance (1 - cosine similarity). */
export type Metric = "euclidean" | "cosine";

/**
 * How neighbours are found:
 * - "exact": blocked matrix products over all pairs (O(n² d), bounded memory; CPU or CUDA);
 * - "hnsw": an HNSW graph (hnswlib 0.6.2) over the data, built in parallel on `threads`
 *   threads, then searched once per query; CPU only. Recall@15 against "exact" and times are
 *   in docs/benchmarks.md ("Approximate kNN (issue 19 §1)"). With `threads: 1` the lists are a
 *   function of the data and `seed`; with more threads the build order, and so an occasional
 *   neighbour, varies between runs;
 * - "auto": "exact" up to `AUTO_EXACT_MAX_POINTS` points, on a CUDA device or with `queries`
 *   (building a graph for a few queries costs more than the exact scan), "hnsw" above.
 */
export type KnnMethod = "exact" | "hnsw" | "auto";

/** Above this many points, method "auto" switches to "hnsw" (on the CPU). */
export const AUTO_EXACT_MAX_POINTS = 60_000;

/** Parameters of the HNSW graph (method "hnsw"); hnswlib's names in brackets. */
export interface HnswParams {
  /** Links per node and layer [M], in [2, 256]. Default 24. */
  m?: number;
  /** Candidate list while inserting [ef_construction], in [1, 1e6]. Default 200. */
  efConstruction?: number;
  /** Candidate list per query [ef], in [1, 1e6]; k + 1 at least is used. Default 200. */
  efSearch?: number;
  /** Seed of the node levels (integer). Default 0. */
  seed?: number;
}

export interface KnnOptions {
  /** Neighbours per point. Default 15. */
  k?: number;
  /** Default "euclidean". */
  metric?: Metric;
  /** Default "exact". */
  method?: KnnMethod;
  /** Options of method "hnsw" (also used when "auto" picks it). */
  hnsw?: HnswParams;
  /** Query points (Float32Array [m, cols]); default: the data themselves, self excluded. */
  queries?: Float32Array;
  /** "cpu" | "cuda" | "cuda:N". Default "cpu". */
  device?: string;
  /** Intra-op threads (exact) or build and query threads (hnsw); 0 = all cores. Default 0. */
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
  const device = options.device ?? "cpu";
  const queryRows = options.queries ? options.queries.length / cols : rows;
  // For a few queries a graph over all the data costs more than the exact scan it replaces.
  const method =
    options.queries && options.method === "auto"
      ? "exact"
      : resolveKnnMethod(options.method ?? "exact", rows, device);
  if (options.queries) checkMatrix(options.queries, [queryRows, cols], "queries");
  const hnsw = options.hnsw ?? {};
  const result = await native().knn(data, rows, cols, {
    k,
    metric: options.metric ?? "euclidean",
    method,
    ...(options.queries && { queries: options.queries, queryRows }),
    ...(method === "hnsw" && {
      hnswM: hnsw.m,
      efConstruction: hnsw.efConstruction,
      efSearch: hnsw.efSearch,
      seed: hnsw.seed,
    }),
    device,
    threads: options.threads ?? 0,
  });
  return { indices: result.indices, distances: result.distances, k, n: queryRows };
}

/**
 * The method `knn` runs for `method` on `rows` points: "auto" is "exact" up to
 * `AUTO_EXACT_MAX_POINTS` points and on CUDA devices (where the blocked products are fast and
 * HNSW does not run), "hnsw" above. Throws a RangeError (code ERR_KNN_METHOD) for an unknown
 * method.
 */
export function resolveKnnMethod(
  method: KnnMethod,
  rows: number,
  device = "cpu",
): "exact" | "hnsw" {
  if (method === "exact" || method === "hnsw") return method;
  if (method === "auto") {
    return rows > AUTO_EXACT_MAX_POINTS && !device.startsWith("cuda") ? "hnsw" : "exact";
  }
  throw Object.assign(
    new RangeError(`unknown kNN method "${String(method)}" (supported: exact, hnsw, auto)`),
    { code: "ERR_KNN_METHOD" },
  );
}
