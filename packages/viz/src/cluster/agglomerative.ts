/**
 * Agglomerative clustering with Ward linkage: repeatedly merges the two clusters whose union
 * least increases the within-cluster sum of squares. Nearest-neighbour-chain algorithm with
 * Lance–Williams updates on a dense matrix of squared euclidean distances: O(n²) memory and
 * time, so for small n.
 */
import type { Shape } from "../knn/matrix.js";
import { denseDistances } from "./dense.js";

/** The dense float64 matrix of 8,000 points takes 512 MB. */
export const AGGLOMERATIVE_MAX_POINTS = 8_000;

export interface AgglomerativeOptions {
  /** Number of clusters (required). */
  k: number;
  /** Only "ward" (euclidean) is implemented. Default "ward". */
  linkage?: "ward";
}

export interface AgglomerativeResult {
  /** Cluster of each point, 0..k-1, numbered by first appearance. */
  labels: Int32Array;
  k: number;
  /** Ward merge heights of all n - 1 merges, ascending (sqrt of twice the SSE increase). */
  heights: Float64Array;
}

/**
 * Ward agglomerative clustering cut at `k` clusters, the same partition as scikit-learn's
 * `AgglomerativeClustering(n_clusters=k, linkage="ward")` (up to label names and exact ties).
 *
 * @example
 * const { labels } = await agglomerative(vectors, [n, 64], { k: 10 });
 */
export async function agglomerative(
  data: Float32Array,
  shape: Shape,
  options: AgglomerativeOptions,
): Promise<AgglomerativeResult> {
  const n = shape[0];
  const { k } = options;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw Object.assign(new RangeError(`k=${k} must be an integer in [1, ${n}]`), {
      code: "ERR_K",
    });
  }
  const dist = await denseDistances(
    data,
    shape,
    "euclidean",
    AGGLOMERATIVE_MAX_POINTS,
    "agglomerative",
  );
  const d2 = new Float64Array(n * n);
  for (let i = 0; i < d2.length; i++) d2[i] = dist[i]! * dist[i]!;
  const merges = nnChain(d2, n);
  merges.sort((a, b) => a.height - b.height);
  // Apply the n - k lowest merges.
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
  return { labels, k, heights: Float64Array.from(merges, (m) => m.height) };
}

/**
 * Nearest-neighbour chain: follow nearest neighbours until two clusters are each other's
 * nearest, merge them (Lance–Williams update for Ward on squared distances), continue.
 * Cluster ids are representative point indices; `d` is overwritten.
 */
function nnChain(d: Float64Array, n: number): Array<{ a: number; b: number; height: number }> {
  const size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const merges: Array<{ a: number; b: number; height: number }> = [];
  const chain: number[] = [];
  let remaining = n;
  while (remaining > 1) {
    if (chain.length === 0) {
      let first = 0;
      while (!active[first]) first++;
      chain.push(first);
    }
    const a = chain[chain.length - 1]!;
    const prev = chain.length > 1 ? chain[chain.length - 2]! : -1;
    // Nearest active neighbour of a; prefer the previous chain element on ties (termination).
    let b = prev;
    let best = prev >= 0 ? d[a * n + prev]! : Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      if (j === a || !active[j]) continue;
      const v = d[a * n + j]!;
      if (v < best) {
        best = v;
        b = j;
      }
    }
    if (b !== prev) {
      chain.push(b);
      continue;
    }
    // a and b are reciprocal nearest neighbours: merge b into a.
    chain.pop();
    chain.pop();
    // Ward's merge height as scipy/scikit-learn report it: sqrt of the squared-distance form.
    merges.push({ a, b, height: Math.sqrt(best) });
    const na = size[a]!;
    const nb = size[b]!;
    for (let j = 0; j < n; j++) {
      if (!active[j] || j === a || j === b) continue;
      const nj = size[j]!;
      const v =
        ((na + nj) * d[a * n + j]! + (nb + nj) * d[b * n + j]! - nj * best) / (na + nb + nj);
      d[a * n + j] = v;
      d[j * n + a] = v;
    }
    size[a] = na + nb;
    active[b] = 0;
    remaining--;
  }
  return merges;
}
