/**
 * Ward and average linkage on a kNN connectivity graph, after scikit-learn's `ward_tree` and
 * `linkage_tree` with `connectivity`: the kNN graph is made symmetric, only clusters joined by
 * an edge may merge, a heap holds the candidate merges (stale entries are skipped), and a
 * merged cluster's edges are the union of its parts'.
 * - Ward: the merge cost of clusters a, b is n_a n_b / (n_a + n_b) ‖μ_a − μ_b‖², from sizes
 *   and sums, so it is exact for any connected pair; heights are sqrt(2 × cost).
 * - Average: an edge starts at the distance of its two points; merging a and b gives an edge
 *   to c of (n_a w_ac + n_b w_bc) / (n_a + n_b) when both were joined to c, else the one edge's
 *   weight. This is scikit-learn's rule; it is the true average only over pairs joined by edges.
 * Components: when the heap runs dry with several clusters left (one per connected component
 * of the graph), they are merged by the unrestricted dense algorithm on their sizes and means
 * (Ward: exact; average: distance of the means, an approximation). scikit-learn instead adds
 * one edge between the closest points of every pair of components, with a warning.
 */
import { knn } from "../knn/knn.js";
import { EdgeHeap } from "./graph.js";

/** One merge: clusters represented by points a and b, at `height`. */
export interface Merge {
  a: number;
  b: number;
  height: number;
}

/** Most clusters left after the graph merges that the dense completion accepts (512 MB). */
export const MAX_COMPONENTS = 8_000;

export async function graphLinkage(
  data: Float32Array,
  n: number,
  d: number,
  k: number,
  linkage: "ward" | "average",
): Promise<{ merges: Merge[]; components: number }> {
  if (n === 1) return { merges: [], components: 1 };
  const g = await knn(data, [n, d], { k: Math.min(k, n - 1), method: "auto" });
  const nodes = 2 * n - 1;
  const { nbr, wts } = symmetricLists(g.indices, g.distances, g.k, n, nodes);
  // Cluster state lives in slots 0..n-1: a merged cluster takes its first part's slot.
  const slot = new Int32Array(nodes);
  const rep = new Int32Array(nodes);
  for (let i = 0; i < n; i++) slot[i] = rep[i] = i;
  const size = new Float64Array(n).fill(1);
  const sums = Float64Array.from(data);
  const active = new Uint8Array(nodes);
  active.fill(1, 0, n);
  const wardCost = (a: number, b: number): number => {
    const sa = slot[a]!;
    const sb = slot[b]!;
    const na = size[sa]!;
    const nb = size[sb]!;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const diff = sums[sa * d + t]! / na - sums[sb * d + t]! / nb;
      s += diff * diff;
    }
    return ((na * nb) / (na + nb)) * s;
  };
  const heap = new EdgeHeap();
  for (let i = 0; i < n; i++) {
    const row = nbr[i]!;
    for (let t = 0; t < row.length; t++) {
      const j = row[t]!;
      if (j < i) heap.push(linkage === "ward" ? wardCost(i, j) : wts[i]![t]!, i, j);
    }
  }
  const merges: Merge[] = [];
  const mark = new Int32Array(nodes).fill(-1);
  const where = new Int32Array(nodes);
  const top: [number, number, number] = [0, 0, 0];
  let next = n;
  while (heap.pop(top)) {
    const [w, i, j] = top;
    if (!active[i] || !active[j]) continue;
    const node = next++;
    active[i] = active[j] = 0;
    active[node] = 1;
    const si = slot[i]!;
    const sj = slot[j]!;
    const ni = size[si]!;
    const nj = size[sj]!;
    slot[node] = si;
    rep[node] = rep[i]!;
    size[si] = ni + nj;
    for (let t = 0; t < d; t++) sums[si * d + t]! += sums[sj * d + t]!;
    merges.push({ a: rep[i]!, b: rep[j]!, height: linkage === "ward" ? Math.sqrt(2 * w) : w });
    // The new cluster's neighbours: the active neighbours of either part.
    const out: number[] = [];
    const outW: number[] = [];
    for (const [part, np] of [
      [i, ni],
      [j, nj],
    ] as const) {
      const row = nbr[part]!;
      const rw = wts[part];
      for (let t = 0; t < row.length; t++) {
        const l = row[t]!;
        if (!active[l] || l === node) continue;
        const wl = rw ? rw[t]! : 0;
        if (mark[l] !== node) {
          mark[l] = node;
          where[l] = out.length;
          out.push(l);
          outW.push(wl);
        } else if (rw) {
          // Joined to both parts: the size-weighted mean (part i was stored first).
          const p = where[l]!;
          outW[p] = (ni * outW[p]! + np * wl) / (ni + nj);
        }
      }
      nbr[part] = [];
      if (rw) wts[part] = [];
    }
    nbr[node] = out;
    if (linkage === "average") wts[node] = outW;
    for (let p = 0; p < out.length; p++) {
      const l = out[p]!;
      nbr[l]!.push(node);
      if (linkage === "average") wts[l]!.push(outW[p]!);
      heap.push(linkage === "ward" ? wardCost(node, l) : outW[p]!, node, l);
    }
  }
  const left: number[] = [];
  for (let v = 0; v < next; v++) if (active[v]) left.push(v);
  if (left.length > 1) merges.push(...completeComponents(left, slot, rep, size, sums, d, linkage));
  return { merges, components: left.length };
}

/** Joins the clusters that the graph left apart with the dense algorithm on their means. */
function completeComponents(
  left: number[],
  slot: Int32Array,
  rep: Int32Array,
  size: Float64Array,
  sums: Float64Array,
  d: number,
  linkage: "ward" | "average",
): Merge[] {
  const c = left.length;
  if (c > MAX_COMPONENTS) {
    throw Object.assign(
      new RangeError(
        `the kNN graph has ${c} connected components; joining them needs a ${c} × ${c} float64 matrix (${((c * c * 8) / 2 ** 30).toFixed(1)} GiB) and at most ${MAX_COMPONENTS} are accepted: raise knn`,
      ),
      { code: "ERR_TOO_MANY_COMPONENTS" },
    );
  }
  const sizes = Float64Array.from(left, (v) => size[slot[v]!]!);
  const m = new Float64Array(c * c);
  for (let a = 0; a < c; a++) {
    const sa = slot[left[a]!]!;
    for (let b = a + 1; b < c; b++) {
      const sb = slot[left[b]!]!;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = sums[sa * d + t]! / sizes[a]! - sums[sb * d + t]! / sizes[b]!;
        s += diff * diff;
      }
      // Ward: the squared-distance form 2 n_a n_b / (n_a + n_b) ‖μ_a − μ_b‖² of the recurrence.
      const v =
        linkage === "ward"
          ? ((2 * sizes[a]! * sizes[b]!) / (sizes[a]! + sizes[b]!)) * s
          : Math.sqrt(s);
      m[a * c + b] = m[b * c + a] = v;
    }
  }
  const merges = nnChain(m, c, sizes, linkage);
  merges.sort((x, y) => x.height - y.height);
  return merges.map((x) => ({ a: rep[left[x.a]!]!, b: rep[left[x.b]!]!, height: x.height }));
}

/** Deduplicated symmetric neighbour lists (with distances) of a kNN graph; rows up to `nodes`. */
function symmetricLists(
  indices: Int32Array,
  distances: Float32Array,
  k: number,
  n: number,
  nodes: number,
): { nbr: number[][]; wts: number[][] } {
  const nbr: number[][] = Array.from({ length: nodes }, () => []);
  const wts: number[][] = Array.from({ length: nodes }, () => []);
  const add = (i: number, j: number, w: number) => {
    nbr[i]!.push(j);
    wts[i]!.push(w);
  };
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t]!;
      if (j < 0 || j === i) continue;
      const w = distances[i * k + t]!;
      // Edge i→j is new unless j listed i (then j→i already added both directions).
      if (j < i && listsOther(indices, k, j, i)) continue;
      add(i, j, w);
      add(j, i, w);
    }
  }
  return { nbr, wts };
}

/** True when row `j` of the kNN lists contains `i`. */
function listsOther(indices: Int32Array, k: number, j: number, i: number): boolean {
  for (let t = 0; t < k; t++) if (indices[j * k + t] === i) return true;
  return false;
}

/**
 * Nearest-neighbour chain on a dense symmetric matrix `d` of n clusters with sizes `size`:
 * follow nearest neighbours until two clusters are each other's nearest, merge them
 * (Lance–Williams update), continue. Ward: `d` holds the squared-distance form (squared
 * distances for single points), heights are its square roots; average: `d` holds distances.
 * Cluster ids are representative indices (the merge keeps `a`); `d` and `size` are overwritten.
 */
export function nnChain(
  d: Float64Array,
  n: number,
  size: Float64Array,
  linkage: "ward" | "average",
): Merge[] {
  const active = new Uint8Array(n).fill(1);
  const merges: Merge[] = [];
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
    merges.push({ a, b, height: linkage === "ward" ? Math.sqrt(best) : best });
    const na = size[a]!;
    const nb = size[b]!;
    for (let j = 0; j < n; j++) {
      if (!active[j] || j === a || j === b) continue;
      const nj = size[j]!;
      const v =
        linkage === "ward"
          ? ((na + nj) * d[a * n + j]! + (nb + nj) * d[b * n + j]! - nj * best) / (na + nb + nj)
          : (na * d[a * n + j]! + nb * d[b * n + j]!) / (na + nb);
      d[a * n + j] = v;
      d[j * n + a] = v;
    }
    size[a] = na + nb;
    active[b] = 0;
    remaining--;
  }
  return merges;
}
