/**
 * The fuzzy simplicial set of UMAP from a kNN graph, computed the way umap-js 1.4 computes it
 * (same smoothing search, membership strengths, fuzzy union and categorical intersection, in
 * the same floating-point order) on typed arrays instead of a Map of string keys.
 */
import {
  type Csr,
  dropZeros,
  fromRows,
  mapValues,
  normalizeRowsMax,
  transpose,
  unionWith,
} from "./sparse.js";

const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;

/** Neighbour lists as umap-js takes them: row i lists k neighbours (itself first in a fit). */
export interface NeighbourLists {
  indices: Int32Array;
  distances: Float64Array;
  n: number;
  k: number;
}

/**
 * Per-point scale sigma and offset rho so that the memberships of each point's neighbours sum to
 * log2(k), found by bisection (umap-js smoothKNNDistance). The sum starts at the second
 * neighbour, because the first is the point itself in a fit.
 */
export function smoothKnnDistance(
  lists: NeighbourLists,
  localConnectivity: number,
  nIter = 64,
): { sigmas: Float64Array; rhos: Float64Array } {
  const { n, k, distances } = lists;
  const target = Math.log(k) / Math.log(2);
  const rhos = new Float64Array(n);
  const sigmas = new Float64Array(n);
  let meanAll: number | undefined;
  for (let i = 0; i < n; i++) {
    const row = distances.subarray(i * k, (i + 1) * k);
    const nonZero = row.filter((d) => d > 0);
    if (nonZero.length >= localConnectivity) {
      const index = Math.floor(localConnectivity);
      const interpolation = localConnectivity - index;
      if (index > 0) {
        rhos[i] = nonZero[index - 1]!;
        if (interpolation > SMOOTH_K_TOLERANCE) {
          rhos[i]! += interpolation * (nonZero[index]! - nonZero[index - 1]!);
        }
      } else {
        rhos[i] = interpolation * nonZero[0]!;
      }
    } else if (nonZero.length > 0) {
      rhos[i] = Math.max(...nonZero);
    }
    let lo = 0;
    let hi = Number.POSITIVE_INFINITY;
    let mid = 1;
    for (let it = 0; it < nIter; it++) {
      let psum = 0;
      for (let j = 1; j < k; j++) {
        const d = row[j]! - rhos[i]!;
        psum += d > 0 ? Math.exp(-(d / mid)) : 1.0;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Number.POSITIVE_INFINITY ? mid * 2 : (lo + hi) / 2;
      }
    }
    sigmas[i] = mid;
    if (rhos[i]! > 0) {
      const m = mean(row);
      if (sigmas[i]! < MIN_K_DIST_SCALE * m) sigmas[i] = MIN_K_DIST_SCALE * m;
    } else {
      meanAll ??= meanOfRowMeans(lists);
      if (sigmas[i]! < MIN_K_DIST_SCALE * meanAll) sigmas[i] = MIN_K_DIST_SCALE * meanAll;
    }
  }
  return { sigmas, rhos };
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

function meanOfRowMeans({ distances, n, k }: NeighbourLists): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += mean(distances.subarray(i * k, (i + 1) * k));
  return s / n;
}

/** Membership strength of every listed edge: 0 to itself, exp(-(d - rho) / sigma) otherwise. */
export function membershipStrength(d: number, rho: number, sigma: number, self: boolean): number {
  if (self) return 0;
  if (d - rho <= 0) return 1;
  return Math.exp(-((d - rho) / sigma));
}

/** The symmetric fuzzy graph of a fit: union a + b - ab of the local memberships. */
export function fuzzySimplicialSet(lists: NeighbourLists, localConnectivity = 1): Csr {
  const { n, k, indices, distances } = lists;
  const { sigmas, rhos } = smoothKnnDistance(lists, localConnectivity);
  const local = fromRows(n, n, (i, push) => {
    for (let j = 0; j < k; j++) {
      const c = indices[i * k + j]!;
      if (c < 0) continue;
      push(c, membershipStrength(distances[i * k + j]!, rhos[i]!, sigmas[i]!, c === i));
    }
  });
  return unionWith(local, transpose(local), (a, b) => a + b - a * b);
}

/**
 * Supervised UMAP with categorical targets (umap-js categoricalSimplicialSetIntersection):
 * edges between different classes are scaled by exp(-farDist), edges touching an unlabelled
 * point (-1) by exp(-1), then local connectivity is restored.
 */
export function categoricalIntersection(
  graph: Csr,
  target: ArrayLike<number>,
  targetWeight: number,
): Csr {
  const farDist = targetWeight < 1 ? 2.5 * (1 / (1 - targetWeight)) : 1e12;
  const scaled = dropZeros(
    mapValues(graph, (v, r, c) => {
      if (target[r] === -1 || target[c] === -1) return v * Math.exp(-1);
      if (target[r] !== target[c]) return v * Math.exp(-farDist);
      return v;
    }),
  );
  const s = normalizeRowsMax(scaled);
  const t = transpose(s);
  // umap-js: add(S, subtract(T, T∘S)) = s + (t - t s)
  return dropZeros(unionWith(s, t, (a, b) => a + (b - b * a)));
}
