import { native } from "@audiomap/core-native";
import { knn, type Metric } from "../knn/knn.js";
import { checkMatrix, type Shape } from "../knn/matrix.js";
import { sampleIndices } from "./sample.js";

export interface TrustworthinessOptions {
  /** Neighbourhood size k. Default 15 (scikit-learn's default is 5; pass 5 to match it). */
  nNeighbors?: number;
  /** Distance in the original space. Default "euclidean". The layout is always euclidean. */
  metric?: Metric;
  /**
   * Average the penalty over a seeded subset of this many points (each still ranked against
   * all n points), an unbiased estimate for large n. Default: all points.
   */
  sampleSize?: number;
  /** Seed of the subset. Default 0. */
  seed?: number;
}

/**
 * Trustworthiness of a layout: 1 - 2 / (n k (2n - 3k - 1)) × Σ_i Σ_{j ∈ N_k^layout(i)}
 * max(0, r(i, j) - k), with r(i, j) the rank of j among i's neighbours in the original space.
 * Equals `sklearn.manifold.trustworthiness` (exact search; float64 distances).
 *
 * @example
 * await trustworthiness(vectors, [n, 768], layout, [n, 2]) // 0.97
 */
export async function trustworthiness(
  data: Float32Array,
  shape: Shape,
  embedding: Float32Array,
  embeddingShape: Shape,
  options: TrustworthinessOptions = {},
): Promise<number> {
  checkMatrix(data, shape);
  checkMatrix(embedding, embeddingShape, "embedding");
  const [n, d] = shape;
  const k = options.nNeighbors ?? 15;
  if (embeddingShape[0] !== n) {
    throw Object.assign(new RangeError(`embedding has ${embeddingShape[0]} rows, data ${n}`), {
      code: "ERR_SHAPE",
    });
  }
  if (!(k >= 1 && k < n / 2)) {
    throw Object.assign(new RangeError(`nNeighbors (${k}) must be in [1, n / 2) (n=${n})`), {
      code: "ERR_NEIGHBORS",
    });
  }
  const rows = sampleIndices(n, options.sampleSize ?? n, options.seed ?? 0);
  const layoutNn = await knn(embedding, embeddingShape, { k, method: "exact" });
  const neighbours = new Int32Array(rows.length * k);
  for (const [i, r] of rows.entries()) {
    neighbours.set(layoutNn.indices.subarray(r * k, (r + 1) * k), i * k);
  }
  const ranks = await native().neighborRanks(data, n, d, rows, neighbours, k, {
    metric: options.metric ?? "euclidean",
  });
  let penalty = 0;
  for (const r of ranks) if (r > k) penalty += r - k;
  penalty *= n / rows.length;
  return 1 - (penalty * 2) / (n * k * (2 * n - 3 * k - 1));
}
