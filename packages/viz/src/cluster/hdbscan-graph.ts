/**
 * The mutual-reachability minimum spanning tree of HDBSCAN* from a kNN graph, for sizes where
 * the n × n distance matrix does not fit.
 *
 * 1. kNN graph (`knn()`, method "auto": exact up to its size limit, an index above).
 * 2. Core distance of i: distance to its (minSamples - 1)-th other neighbour (the point itself
 *    counts as the first of minSamples, as in the dense path).
 * 3. Kruskal on the kNN edges weighted by mutual reachability max(core_i, core_j, d(i, j)).
 *    This is the exact MST wherever the true MST's edges are kNN edges; edges of the true MST
 *    that join points farther apart than their k-th neighbours are not candidates.
 * 4. The kNN graph of separated groups is disconnected. The components are then joined
 *    Borůvka-style: for every component but the largest, its lightest mutual-reachability edge
 *    to any other component, searched exactly (brute force, `knn` with queries) from each of
 *    its points, or from a sample of them when that would exceed `CONNECT_BUDGET` (then the
 *    best pair found is refined by alternating nearest-point searches; the edge may then not
 *    be the lightest). The result says which happened.
 */
import type { Metric } from "../knn/knn.js";
import { knn } from "../knn/knn.js";
import { argsortNonNegative, UnionFind } from "./graph.js";

/** Distance evaluations (query rows × data rows × dims) one component search may cost. */
export const CONNECT_BUDGET = 2e10;

/** Neighbours tried per query when joining components (for the core-distance term). */
const CONNECT_NEIGHBOURS = 8;

export interface MstEdges {
  a: Int32Array;
  b: Int32Array;
  w: Float64Array;
}

/** How the graph MST was built (reported with the clustering). */
export interface GraphMstInfo {
  /** Neighbours per point of the kNN graph. */
  k: number;
  /** Connected components of the kNN graph (1: no joining needed). */
  components: number;
  /** True when every joining edge is the exact lightest one (see the module comment). */
  exactJoins: boolean;
}

export async function graphMutualReachabilityMst(
  data: Float32Array,
  n: number,
  d: number,
  minSamples: number,
  k: number,
  metric: Metric,
): Promise<{ edges: MstEdges; info: GraphMstInfo }> {
  const kk = Math.min(k, n - 1);
  const g = await knn(data, [n, d], { k: kk, metric, method: "auto" });
  const core = new Float32Array(n);
  if (minSamples >= 2) {
    for (let i = 0; i < n; i++) core[i] = g.distances[i * kk + minSamples - 2]!;
  }
  const m = n * kk;
  const weight = new Float32Array(m);
  for (let i = 0; i < n; i++) {
    const ci = core[i]!;
    for (let t = 0; t < kk; t++) {
      const e = i * kk + t;
      const j = g.indices[e]!;
      weight[e] = j < 0 ? Number.POSITIVE_INFINITY : Math.max(ci, core[j]!, g.distances[e]!);
    }
  }
  const edges: MstEdges = {
    a: new Int32Array(n - 1),
    b: new Int32Array(n - 1),
    w: new Float64Array(n - 1),
  };
  let count = 0;
  const uf = new UnionFind(n);
  for (const e of argsortNonNegative(weight)) {
    if (uf.count === 1) break;
    const i = Math.floor(e / kk);
    const j = g.indices[e]!;
    if (j < 0 || !uf.union(i, j)) continue;
    edges.a[count] = i;
    edges.b[count] = j;
    edges.w[count++] = weight[e]!;
  }
  const info: GraphMstInfo = { k: kk, components: uf.count, exactJoins: true };
  while (uf.count > 1) {
    const joins = await lightestJoins(data, n, d, core, uf, metric);
    if (!joins.exact) info.exactJoins = false;
    for (const [w, a, b] of joins.edges) {
      if (!uf.union(a, b)) continue;
      edges.a[count] = a;
      edges.b[count] = b;
      edges.w[count++] = w;
    }
  }
  return { edges, info };
}

/** One Borůvka round over the components: each one's lightest edge out (but the largest's). */
async function lightestJoins(
  data: Float32Array,
  n: number,
  d: number,
  core: Float32Array,
  uf: UnionFind,
  metric: Metric,
): Promise<{ edges: Array<[number, number, number]>; exact: boolean }> {
  const comp = uf.labels();
  const members: number[][] = Array.from({ length: uf.count }, () => []);
  for (let i = 0; i < n; i++) members[comp[i]!]!.push(i);
  let largest = 0;
  for (let c = 1; c < members.length; c++) {
    if (members[c]!.length > members[largest]!.length) largest = c;
  }
  const edges: Array<[number, number, number]> = [];
  let exact = true;
  for (let c = 0; c < members.length; c++) {
    if (c === largest) continue;
    const inside = members[c]!;
    const outside: number[] = [];
    for (let i = 0; i < n; i++) if (comp[i] !== c) outside.push(i);
    const affordable = Math.floor(CONNECT_BUDGET / (outside.length * d));
    const sampled = affordable < inside.length;
    const queries = sampled ? strideSample(inside, Math.max(affordable, 64)) : inside;
    const found = await nearestAcross(data, d, core, queries, outside, metric);
    if (!found.exact) exact = false;
    let best = found.best;
    if (sampled) {
      exact = false;
      best = await refine(data, d, core, best, inside, outside, metric);
    }
    edges.push(best);
  }
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { edges, exact };
}

/** Lightest mutual-reachability edge from `queries` to `targets` among their nearest targets. */
async function nearestAcross(
  data: Float32Array,
  d: number,
  core: Float32Array,
  queries: number[],
  targets: number[],
  metric: Metric,
): Promise<{ best: [number, number, number]; exact: boolean }> {
  const kq = Math.min(CONNECT_NEIGHBOURS, targets.length);
  const g = await knn(gather(data, d, targets), [targets.length, d], {
    k: kq,
    metric,
    queries: gather(data, d, queries),
  });
  let best: [number, number, number] = [Number.POSITIVE_INFINITY, -1, -1];
  for (let q = 0; q < queries.length; q++) {
    const i = queries[q]!;
    for (let t = 0; t < kq; t++) {
      const j = targets[g.indices[q * kq + t]!]!;
      const w = Math.max(core[i]!, core[j]!, g.distances[q * kq + t]!);
      if (w < best[0]) best = [w, i, j];
    }
  }
  // Any target beyond a query's kq-th neighbour is at least that far, and mutual reachability
  // is never below the distance: the search is exact if those distances reach the best weight.
  let exact = kq === targets.length;
  if (!exact) {
    exact = true;
    for (let q = 0; q < queries.length && exact; q++) {
      if (g.distances[q * kq + kq - 1]! < best[0]) exact = false;
    }
  }
  return { best, exact };
}

/** Alternating searches from the sampled best pair: each side's lightest partner, 4 rounds. */
async function refine(
  data: Float32Array,
  d: number,
  core: Float32Array,
  start: [number, number, number],
  inside: number[],
  outside: number[],
  metric: Metric,
): Promise<[number, number, number]> {
  let best = start;
  for (let round = 0; round < 4; round++) {
    const back = (await nearestAcross(data, d, core, [best[2]], inside, metric)).best;
    const there = (await nearestAcross(data, d, core, [back[2]], outside, metric)).best;
    const next: [number, number, number] =
      there[0] < back[0] ? [there[0], there[1], there[2]] : [back[0], back[2], back[1]];
    if (next[0] >= best[0]) break;
    best = next;
  }
  return best;
}

function strideSample(items: number[], m: number): number[] {
  const step = items.length / m;
  return Array.from({ length: m }, (_, i) => items[Math.floor(i * step)]!);
}

function gather(data: Float32Array, d: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    out.set(data.subarray(r * d, (r + 1) * d), i * d);
  });
  return out;
}
