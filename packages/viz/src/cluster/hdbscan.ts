/**
 * HDBSCAN* (Campello, Moulavi & Sander 2013; McInnes & Healy 2017): density-based clusters of
 * varying density, with noise. Steps: core distances, minimum spanning tree of the mutual
 * reachability graph, single-linkage hierarchy, condensed tree (splits smaller than
 * minClusterSize are points falling out), and excess-of-mass selection of the most stable
 * clusters. The MST comes from Prim on the dense distance matrix ("dense", exact) or from
 * Kruskal on a kNN graph ("knn", see hdbscan-graph.ts).
 */
import type { Metric } from "../knn/knn.js";
import { checkMatrix, type Shape } from "../knn/matrix.js";
import { denseDistances } from "./dense.js";
import { type GraphMstInfo, graphMutualReachabilityMst, type MstEdges } from "./hdbscan-graph.js";

/**
 * Most points of the "dense" method, whose float32 n × n matrix is kept in memory (20,000
 * points: 1.6 GB). Method "auto" uses "dense" up to this size and "knn" above.
 */
export const HDBSCAN_DENSE_MAX_POINTS = 20_000;

/** How the mutual-reachability MST is found. */
export type HdbscanMethod = "auto" | "dense" | "knn";

export interface HdbscanOptions {
  /** Smallest group reported as a cluster (at least 2). Default 5. */
  minClusterSize?: number;
  /**
   * Neighbourhood size of the core distance, counting the point itself (scikit-learn 1.3's
   * convention; the hdbscan package's min_samples is one less). Default minClusterSize.
   */
  minSamples?: number;
  /** Default "euclidean". */
  metric?: Metric;
  /**
   * "dense": exact, every pair (up to HDBSCAN_DENSE_MAX_POINTS); "knn": MST over a kNN graph,
   * any size; "auto": "dense" up to HDBSCAN_DENSE_MAX_POINTS, "knn" above. Default "auto".
   */
  method?: HdbscanMethod;
  /** Neighbours per point of the kNN graph (method "knn"); at least minSamples - 1. Default max(15, minSamples). */
  knn?: number;
}

export interface HdbscanResult {
  /** Cluster of each point, 0..nClusters-1, or -1 for noise. */
  labels: Int32Array;
  nClusters: number;
  /** Excess-of-mass stability of each reported cluster. */
  stabilities: Float64Array;
  /** The method used ("dense" or "knn"). */
  method: "dense" | "knn";
  /** Method "knn": the graph's size, components and whether their joins are exact. */
  graph?: GraphMstInfo;
}

/**
 * Clusters `data` with HDBSCAN*; points in no stable cluster get label -1.
 *
 * @example
 * const { labels, nClusters } = await hdbscan(vectors, [n, 64], { minClusterSize: 10 });
 */
export async function hdbscan(
  data: Float32Array,
  shape: Shape,
  options: HdbscanOptions = {},
): Promise<HdbscanResult> {
  checkMatrix(data, shape);
  const [n, d] = shape;
  const mcs = options.minClusterSize ?? 5;
  if (!Number.isInteger(mcs) || mcs < 2) {
    throw Object.assign(new RangeError(`minClusterSize must be an integer >= 2 (got ${mcs})`), {
      code: "ERR_MIN_CLUSTER_SIZE",
    });
  }
  const ms = options.minSamples ?? mcs;
  if (!Number.isInteger(ms) || ms < 1) {
    throw Object.assign(new RangeError(`minSamples must be an integer >= 1 (got ${ms})`), {
      code: "ERR_MIN_SAMPLES",
    });
  }
  const minSamples = Math.min(ms, n);
  const metric = options.metric ?? "euclidean";
  const method = resolveMethod(options.method ?? "auto", n);
  if (n === 1) {
    return { labels: new Int32Array([-1]), nClusters: 0, stabilities: new Float64Array(), method };
  }
  let mst: MstEdges;
  let graph: GraphMstInfo | undefined;
  if (method === "dense") {
    const dist = await denseDistances(data, shape, metric, HDBSCAN_DENSE_MAX_POINTS, "hdbscan");
    mst = mstMutualReachability(dist, coreDistances(dist, n, minSamples), n);
  } else {
    const k = options.knn ?? Math.max(15, minSamples);
    if (!Number.isInteger(k) || k < Math.max(1, minSamples - 1)) {
      throw Object.assign(
        new RangeError(
          `knn must be an integer >= max(1, minSamples - 1) = ${Math.max(1, minSamples - 1)} (got ${k})`,
        ),
        { code: "ERR_KNN" },
      );
    }
    ({ edges: mst, info: graph } = await graphMutualReachabilityMst(
      data,
      n,
      d,
      minSamples,
      k,
      metric,
    ));
  }
  const condensed = condense(singleLinkage(mst, n), n, mcs);
  return { ...selectClusters(condensed, n), method, ...(graph && { graph }) };
}

function resolveMethod(method: HdbscanMethod, n: number): "dense" | "knn" {
  if (method === "auto") return n > HDBSCAN_DENSE_MAX_POINTS ? "knn" : "dense";
  if (method === "dense" || method === "knn") return method;
  throw Object.assign(
    new RangeError(`unknown hdbscan method "${method}" (supported: auto, dense, knn)`),
    { code: "ERR_METHOD" },
  );
}

/** Distance to the minSamples-th nearest point, the point itself counted first. */
function coreDistances(dist: Float32Array, n: number, minSamples: number): Float64Array {
  const core = new Float64Array(n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    row.set(dist.subarray(i * n, (i + 1) * n));
    row.sort();
    core[i] = row[minSamples - 1]!;
  }
  return core;
}

/** Prim's algorithm on the mutual reachability max(core_a, core_b, d(a, b)); n - 1 edges. */
function mstMutualReachability(dist: Float32Array, core: Float64Array, n: number): MstEdges {
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const from = new Int32Array(n);
  const edges = { a: new Int32Array(n - 1), b: new Int32Array(n - 1), w: new Float64Array(n - 1) };
  let current = 0;
  inTree[0] = 1;
  for (let e = 0; e < n - 1; e++) {
    const cc = core[current]!;
    let next = -1;
    let nextW = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const w = Math.max(dist[current * n + j]!, cc, core[j]!);
      if (w < best[j]!) {
        best[j] = w;
        from[j] = current;
      }
      if (best[j]! < nextW) {
        nextW = best[j]!;
        next = j;
      }
    }
    edges.a[e] = from[next]!;
    edges.b[e] = next;
    edges.w[e] = nextW;
    inTree[next] = 1;
    current = next;
  }
  return edges;
}

interface Linkage {
  left: Int32Array;
  right: Int32Array;
  dist: Float64Array;
  size: Int32Array;
}

/** Single-linkage merges from MST edges in increasing weight; merge i creates node n + i. */
function singleLinkage(edges: MstEdges, n: number) {
  const order = Array.from(edges.w.keys()).sort((x, y) => edges.w[x]! - edges.w[y]! || x - y);
  const parent = Int32Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const size = new Int32Array(2 * n - 1).fill(1);
  const out: Linkage = {
    left: new Int32Array(n - 1),
    right: new Int32Array(n - 1),
    dist: new Float64Array(n - 1),
    size,
  };
  order.forEach((e, i) => {
    const ra = find(edges.a[e]!);
    const rb = find(edges.b[e]!);
    const node = n + i;
    out.left[i] = ra;
    out.right[i] = rb;
    out.dist[i] = edges.w[e]!;
    size[node] = size[ra]! + size[rb]!;
    parent[ra] = node;
    parent[rb] = node;
  });
  return out;
}

/** Condensed tree: parent cluster, child (point < n, or cluster id), lambda, child size. */
interface Condensed {
  parent: number[];
  child: number[];
  lambda: number[];
  childSize: number[];
  /** Cluster ids are n, n+1, ...; the root is n. */
  nextCluster: number;
}

function condense(tree: Linkage, n: number, mcs: number): Condensed {
  const out: Condensed = { parent: [], child: [], lambda: [], childSize: [], nextCluster: n + 1 };
  if (n < 2) return out;
  const root = 2 * n - 2;
  const label = new Map<number, number>([[root, n]]);
  const leaves = (node: number): number[] => {
    const stack = [node];
    const found: number[] = [];
    while (stack.length) {
      const x = stack.pop()!;
      if (x < n) found.push(x);
      else stack.push(tree.left[x - n]!, tree.right[x - n]!);
    }
    return found;
  };
  const queue = [root];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    const cluster = label.get(node)!;
    const l = tree.left[node - n]!;
    const r = tree.right[node - n]!;
    const d = tree.dist[node - n]!;
    const lambda = d > 0 ? 1 / d : Number.POSITIVE_INFINITY;
    const ls = tree.size[l]!;
    const rs = tree.size[r]!;
    const fallOut = (child: number) => {
      for (const p of leaves(child)) {
        out.parent.push(cluster);
        out.child.push(p);
        out.lambda.push(lambda);
        out.childSize.push(1);
      }
    };
    const continueAs = (child: number, id: number) => {
      if (child >= n) {
        label.set(child, id);
        queue.push(child);
      } else {
        // A single point that continues the cluster leaves it at this lambda.
        out.parent.push(id);
        out.child.push(child);
        out.lambda.push(lambda);
        out.childSize.push(1);
      }
    };
    if (ls >= mcs && rs >= mcs) {
      for (const [child, size] of [
        [l, ls],
        [r, rs],
      ] as const) {
        const id = out.nextCluster++;
        out.parent.push(cluster);
        out.child.push(id);
        out.lambda.push(lambda);
        out.childSize.push(size);
        continueAs(child, id);
      }
    } else if (ls < mcs && rs < mcs) {
      fallOut(l);
      fallOut(r);
    } else if (ls < mcs) {
      fallOut(l);
      continueAs(r, cluster);
    } else {
      fallOut(r);
      continueAs(l, cluster);
    }
  }
  return out;
}

/** Excess-of-mass selection (the root is never selected) and labelling. */
function selectClusters(
  c: Condensed,
  n: number,
): Pick<HdbscanResult, "labels" | "nClusters" | "stabilities"> {
  const m = c.nextCluster - n;
  const birth = new Float64Array(m);
  const parentOf = new Int32Array(m).fill(-1);
  const pointParent = new Int32Array(n).fill(0);
  for (let e = 0; e < c.parent.length; e++) {
    const child = c.child[e]!;
    if (child >= n) {
      birth[child - n] = c.lambda[e]!;
      parentOf[child - n] = c.parent[e]! - n;
    } else {
      pointParent[child] = c.parent[e]! - n;
    }
  }
  const stability = new Float64Array(m);
  for (let e = 0; e < c.parent.length; e++) {
    const p = c.parent[e]! - n;
    const lambda = Math.min(c.lambda[e]!, Number.MAX_VALUE);
    stability[p]! += (lambda - birth[p]!) * c.childSize[e]!;
  }
  const children: number[][] = Array.from({ length: m }, () => []);
  for (let k = 1; k < m; k++) children[parentOf[k]!]!.push(k);
  const selected = new Uint8Array(m);
  // Children have larger ids than their parent: visiting ids downwards is bottom-up.
  for (let k = m - 1; k >= 1; k--) {
    let childSum = 0;
    for (const ch of children[k]!) childSum += stability[ch]!;
    if (children[k]!.length > 0 && childSum > stability[k]!) {
      stability[k] = childSum;
    } else {
      selected[k] = 1;
      const stack = [...children[k]!];
      while (stack.length) {
        const x = stack.pop()!;
        selected[x] = 0;
        stack.push(...children[x]!);
      }
    }
  }
  const ids = new Int32Array(m).fill(-1);
  let nClusters = 0;
  for (let k = 1; k < m; k++) if (selected[k]) ids[k] = nClusters++;
  const stabilities = new Float64Array(nClusters);
  for (let k = 1; k < m; k++) if (selected[k]) stabilities[ids[k]!] = stability[k]!;
  const labels = new Int32Array(n).fill(-1);
  for (let p = 0; p < n; p++) {
    let k = pointParent[p]!;
    while (k > 0 && !selected[k]) k = parentOf[k]!;
    if (k > 0) labels[p] = ids[k]!;
  }
  return { labels, nClusters, stabilities };
}
