/**
 * The UMAP engines' shared steps: umap-js 1.4's algorithm (random initialisation in [-10, 10],
 * fuzzy graph, epoch schedule, SGD update) on typed arrays. `fitLayout` reproduces umap-js's `fit`
 * bit for bit for the same kNN lists and PRNG; `transformLayout` follows umap-js's `transform`
 * but takes exact neighbours instead of umap-js's approximate graph search.
 */
import { findABParams } from "umap-js/dist/umap.js";
import {
  categoricalIntersection,
  fuzzySimplicialSet,
  membershipStrength,
  type NeighbourLists,
  smoothKnnDistance,
} from "./fuzzy-graph.js";
import { defaultEpochs, type EdgeSchedule, LayoutOptimizer, scheduleEdges } from "./optimize.js";
import type { Random } from "./random.js";
import { fromRows } from "./sparse.js";

export interface FitParams {
  nComponents: number;
  minDist: number;
  spread: number;
  random: Random;
  nEpochs?: number;
  /** Categorical targets (codes, -1 = unlabelled) for supervised UMAP. */
  target?: ArrayLike<number>;
  targetWeight?: number;
}

/** A fit in progress: call `optimizer.step()` `nEpochs` times; `embedding` updates in place. */
export interface FitState {
  embedding: Float64Array;
  optimizer: LayoutOptimizer;
  nEpochs: number;
  a: number;
  b: number;
}

/** A fit's graph schedule, random initial layout and curve parameters, before any epoch. */
export interface FitPlan {
  embedding: Float64Array;
  schedule: EdgeSchedule;
  nEpochs: number;
  a: number;
  b: number;
}

/** Builds the graph, its edge schedule and the random initial layout of a fit. */
export function planFit(lists: NeighbourLists, p: FitParams): FitPlan {
  let graph = fuzzySimplicialSet(lists);
  if (p.target) graph = categoricalIntersection(graph, p.target, p.targetWeight ?? 0.5);
  const nEpochs = p.nEpochs && p.nEpochs > 0 ? p.nEpochs : defaultEpochs(lists.n);
  const embedding = new Float64Array(lists.n * p.nComponents);
  for (let i = 0; i < embedding.length; i++) embedding[i] = p.random() * 20 + -10;
  const { a, b } = findABParams(p.spread, p.minDist);
  return { embedding, schedule: scheduleEdges(graph, nEpochs, true), nEpochs, a, b };
}

/** Builds the graph, the random initial layout and the optimiser of a fit. */
export function fitLayout(lists: NeighbourLists, p: FitParams): FitState {
  const { embedding, schedule, nEpochs, a, b } = planFit(lists, p);
  const optimizer = new LayoutOptimizer(embedding, embedding, schedule, {
    a,
    b,
    nEpochs,
    dim: p.nComponents,
    nVertices: lists.n,
    random: p.random,
  });
  return { embedding, optimizer, nEpochs, a, b };
}

/** The fitted layout a transform places new points onto. */
export interface FittedLayout {
  embedding: ArrayLike<number>;
  a: number;
  b: number;
  nComponents: number;
  nFit: number;
}

/** A transform's initial positions, edge schedule and epoch count, before any epoch. */
export interface TransformPlan {
  embedding: Float64Array;
  schedule: EdgeSchedule;
  nEpochs: number;
}

/**
 * Plans the transform of new points given their neighbours among the fitted points (lists
 * without self): each starts at the membership-weighted mean of its neighbours' positions, and
 * will be optimised against the fixed fitted layout for nEpochs / 3 epochs (100 for up to
 * 10,000 new points, 30 above, when no nEpochs was set), as umap-js does.
 */
export function planTransform(
  lists: NeighbourLists,
  fitted: FittedLayout,
  nEpochsFit?: number,
): TransformPlan {
  const { n: m, k, indices, distances } = lists;
  const dim = fitted.nComponents;
  const { sigmas, rhos } = smoothKnnDistance(lists, 0);
  const graph = fromRows(m, fitted.nFit, (i, push) => {
    for (let j = 0; j < k; j++) {
      push(
        indices[i * k + j]!,
        membershipStrength(distances[i * k + j]!, rhos[i]!, sigmas[i]!, false),
      );
    }
  });
  const out = new Float64Array(m * dim);
  for (let i = 0; i < m; i++) {
    let total = 0;
    for (let p = graph.indptr[i]!; p < graph.indptr[i + 1]!; p++) total += graph.values[p]!;
    for (let p = graph.indptr[i]!; p < graph.indptr[i + 1]!; p++) {
      const w = graph.values[p]! / total;
      const src = graph.indices[p]! * dim;
      for (let d = 0; d < dim; d++) out[i * dim + d]! += w * fitted.embedding[src + d]!;
    }
  }
  const nEpochs = nEpochsFit ? Math.max(1, Math.round(nEpochsFit / 3)) : m <= 10_000 ? 100 : 30;
  return { embedding: out, schedule: scheduleEdges(graph, nEpochs, false), nEpochs };
}

/** Plans a transform (see `planTransform`) and runs its epochs in JavaScript. */
export function transformLayout(
  lists: NeighbourLists,
  fitted: FittedLayout & { embedding: Float64Array },
  random: Random,
  nEpochsFit?: number,
): Float64Array {
  const { embedding: out, schedule, nEpochs } = planTransform(lists, fitted, nEpochsFit);
  const optimizer = new LayoutOptimizer(out, fitted.embedding, schedule, {
    a: fitted.a,
    b: fitted.b,
    nEpochs,
    dim: fitted.nComponents,
    nVertices: fitted.nFit,
    random,
  });
  while (optimizer.epoch < nEpochs) optimizer.step();
  return out;
}
