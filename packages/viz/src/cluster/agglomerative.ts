/**
 * Agglomerative clustering with Ward linkage (merge the two clusters whose union least
 * increases the within-cluster sum of squares) or average linkage (mean pairwise euclidean
 * distance), euclidean only.
 * - "dense": nearest-neighbour chain with Lance–Williams updates on the full n × n matrix;
 *   O(n²) memory and time, so for small n.
 * - "knn": only clusters joined by an edge of the symmetrised kNN graph may merge
 *   (scikit-learn's `connectivity=kneighbors_graph(X, k)`), see agglomerative-graph.ts.
 */
import { checkMatrix, type Shape } from "../knn/matrix.js";
import { graphLinkage, type Merge, nnChain } from "./agglomerative-graph.js";
import { checkClusterCount } from "./check.js";
import { denseDistances } from "./dense.js";

/**
 * Most points of the "dense" method (the float64 matrix of 8,000 points takes 512 MB, plus the
 * float32 distances). Method "auto" uses "dense" up to this size and "knn" above.
 */
export const AGGLOMERATIVE_DENSE_MAX_POINTS = 8_000;

/** Ward (default) or average linkage. */
export type Linkage = "ward" | "average";

export interface AgglomerativeOptions {
  /** Number of clusters (required). */
  k: number;
  /** Default "ward". */
  linkage?: Linkage;
  /**
   * "dense": every pair may merge (up to AGGLOMERATIVE_DENSE_MAX_POINTS); "knn": only
   * clusters joined by kNN-graph edges (any size); "auto": "dense" up to
   * AGGLOMERATIVE_DENSE_MAX_POINTS, "knn" above. Default "auto".
   */
  method?: "auto" | "dense" | "knn";
  /** Neighbours per point of the connectivity graph (method "knn"). Default 15. */
  knn?: number;
}

export interface AgglomerativeResult {
  /** Cluster of each point, 0..k-1, numbered by first appearance. */
  labels: Int32Array;
  k: number;
  /**
   * Heights of all n - 1 merges, in merge order (ascending for "dense"). Ward: sqrt of twice
   * the SSE increase, as scipy and scikit-learn report it; average: the mean distance.
   */
  heights: Float64Array;
  /** The method used. */
  method: "dense" | "knn";
  /** Method "knn": connected components of the kNN graph (merged last, see agglomerative-graph.ts). */
  components?: number;
}

/**
 * Agglomerative clustering cut at `k` clusters. "dense" gives the same partition as
 * scikit-learn's `AgglomerativeClustering(n_clusters=k, linkage=...)`, "knn" that of
 * `AgglomerativeClustering(n_clusters=k, linkage=..., connectivity=kneighbors_graph(X, knn))`
 * (up to label names and exact ties; tested in test/cluster.test.ts).
 *
 * @example
 * const { labels } = await agglomerative(vectors, [n, 64], { k: 10 });
 */
export async function agglomerative(
  data: Float32Array,
  shape: Shape,
  options: AgglomerativeOptions,
): Promise<AgglomerativeResult> {
  checkMatrix(data, shape);
  const [n, d] = shape;
  const { k } = options;
  checkClusterCount(k, n);
  const linkage = options.linkage ?? "ward";
  if (linkage !== "ward" && linkage !== "average") {
    throw Object.assign(new RangeError(`unknown linkage "${linkage}" (supported: ward, average)`), {
      code: "ERR_LINKAGE",
    });
  }
  const requested = options.method ?? "auto";
  if (!["auto", "dense", "knn"].includes(requested)) {
    throw Object.assign(
      new RangeError(`unknown agglomerative method "${requested}" (supported: auto, dense, knn)`),
      { code: "ERR_METHOD" },
    );
  }
  const method =
    requested === "auto" ? (n > AGGLOMERATIVE_DENSE_MAX_POINTS ? "knn" : "dense") : requested;
  let merges: Merge[];
  let components: number | undefined;
  if (method === "dense") {
    const dist = await denseDistances(
      data,
      shape,
      "euclidean",
      AGGLOMERATIVE_DENSE_MAX_POINTS,
      "agglomerative",
    );
    // Ward's Lance–Williams recurrence holds for squared distances, average's for distances.
    const m = new Float64Array(n * n);
    for (let i = 0; i < m.length; i++) m[i] = linkage === "ward" ? dist[i]! ** 2 : dist[i]!;
    merges = nnChain(m, n, new Float64Array(n).fill(1), linkage);
    merges.sort((a, b) => a.height - b.height);
  } else {
    const knnK = options.knn ?? 15;
    if (!Number.isInteger(knnK) || knnK < 1) {
      throw Object.assign(new RangeError(`knn must be a positive integer (got ${knnK})`), {
        code: "ERR_KNN",
      });
    }
    ({ merges, components } = await graphLinkage(data, n, d, knnK, linkage));
  }
  // Apply the first n - k merges (for "dense", sorted by height: the same thing).
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (let m = 0; m < n - k; m++) parent[find(merges[m]!.a)] = find(merges[m]!.b);
  const ids = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    labels[i] = ids.get(r)!;
  }
  return {
    labels,
    k,
    heights: Float64Array.from(merges, (m) => m.height),
    method,
    ...(components !== undefined && { components }),
  };
}
