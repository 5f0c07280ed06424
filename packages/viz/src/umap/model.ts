/**
 * A fitted UMAP layout as data (training vectors, their embedding, the parameters) and the native
 * transform that places new points onto it. `umap()`'s "native" engine returns one; so does
 * `loadUmapModel`, and both transform the same points identically.
 */
import { native } from "@audiomap/core-native";
import { knn, type Metric } from "../knn/knn.js";
import { checkMatrix } from "../knn/matrix.js";
import { planTransform } from "./engine.js";
import { initialSampling } from "./optimize.js";

/** Everything a transform needs, and what `saveUmapModel` writes. */
export interface UmapModelState {
  /** Training vectors, row-major [nFit, cols]. */
  data: Float32Array;
  cols: number;
  /** Their embedding, row-major [nFit, nComponents]. */
  embedding: Float32Array;
  nComponents: number;
  /** Neighbours per point, the point itself included (UMAP's n_neighbors). */
  nNeighbors: number;
  metric: Metric;
  minDist: number;
  spread: number;
  /** The curve parameters found from minDist and spread. */
  a: number;
  b: number;
  seed: number;
  /** The fit's nEpochs option; undefined = umap-js's rule. */
  nEpochs?: number;
}

/** Options of `UmapModel.transform`. */
export interface TransformOptions {
  /** SGD threads; 0 = all cores. The result is the same for any count. Default 1. */
  threads?: number;
  /** Device of the kNN search. Default "cpu". */
  device?: string;
  /** Called after each block of epochs with (epochsDone, epochsTotal). */
  onProgress?: (epoch: number, total: number) => void;
  /** Stops the transform early (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** A fitted layout; `transform` places new points onto it. */
export interface UmapModel {
  /** Output dimensions of the layout. */
  readonly nComponents: number;
  /** Columns of the vectors it was fitted on (and that `transform` takes). */
  readonly cols: number;
  /**
   * Embeds new points (Float32Array [m, cols]) into the existing layout without moving it,
   * as umap-js's transform does. Returns Float32Array [m, nComponents].
   */
  transform(points: Float32Array, options?: TransformOptions): Promise<Float32Array>;
  /**
   * Writes the model to one file (see `saveUmapModel`). Only models of the "native" engine
   * (the default) can be saved: the other engines' transforms continue the fit's random
   * sequence, which a file cannot carry.
   */
  save(path: string): Promise<void>;
}

/** Epochs per native call between progress reports and abort checks. */
const TICK = 10;

/**
 * Places `points` onto the fitted layout: exact neighbours among the training vectors, umap-js's
 * initial positions and schedule (`planTransform`), then the native SGD with the layout fixed.
 * Deterministic for (model, points): the negative samples come from one stream per
 * (seed, epoch, edge), and threads split the new points by row.
 */
export async function transformWithState(
  state: UmapModelState,
  points: Float32Array,
  options: TransformOptions = {},
): Promise<Float32Array> {
  const m = points.length / state.cols;
  checkMatrix(points, [m, state.cols], "points");
  const nFit = state.data.length / state.cols;
  const g = await knn(state.data, [nFit, state.cols], {
    k: state.nNeighbors,
    metric: state.metric,
    queries: points,
    device: options.device ?? "cpu",
  });
  options.signal?.throwIfAborted();
  const lists = { indices: g.indices, distances: Float64Array.from(g.distances), n: m, k: g.k };
  const plan = planTransform(
    lists,
    { embedding: state.embedding, a: state.a, b: state.b, nComponents: state.nComponents, nFit },
    state.nEpochs,
  );
  const coords = Float32Array.from(plan.embedding);
  const { head, tail, epochsPerSample } = plan.schedule;
  const { nextSample, nextNegative } = initialSampling(plan.schedule);
  for (let epoch = 0; epoch < plan.nEpochs; ) {
    options.signal?.throwIfAborted();
    const stop = Math.min(plan.nEpochs, epoch + TICK);
    await native().optimizeLayout(
      coords,
      state.embedding,
      head,
      tail,
      epochsPerSample,
      nextSample,
      nextNegative,
      {
        dim: state.nComponents,
        a: state.a,
        b: state.b,
        nEpochs: plan.nEpochs,
        from: epoch,
        to: stop,
        nVertices: nFit,
        seed: state.seed,
        threads: options.threads ?? 1,
      },
    );
    epoch = stop;
    options.onProgress?.(epoch, plan.nEpochs);
  }
  return coords;
}
