/**
 * UMAP layouts with umap-js, fed a k-nearest-neighbour graph computed natively (umap-js's own
 * NN-descent in JavaScript is its slowest part). Typed arrays at the edges.
 */

import { native } from "@audiomap/core-native";
import { UMAP } from "umap-js";
import { type KnnMethod, knn, type Metric } from "../knn/knn.js";
import { checkMatrix, rowViews, type Shape } from "../knn/matrix.js";
import type { Labels } from "../metrics/labels.js";
import { sampleIndices, takeRows } from "../metrics/sample.js";
import { type FitParams, fitLayout, planFit, transformLayout } from "./engine.js";
import type { NeighbourLists } from "./fuzzy-graph.js";
import type { UmapModel, UmapModelState } from "./model.js";
import { umapModel } from "./model-file.js";
import { DEFAULT_NEGATIVE_SAMPLE_RATE, initialSampling } from "./optimize.js";
import { seededRandom } from "./random.js";

export type { TransformOptions, UmapModel } from "./model.js";
export { loadUmapModel, saveUmapModel, UmapModelFileError } from "./model-file.js";

export type UmapEngine = "native" | "fast" | "umap-js";

export interface UmapOptions {
  /** Output dimensions. Default 2. */
  nComponents?: 2 | 3;
  /** Neighbours that define the local manifold. Default 15. */
  nNeighbors?: number;
  /** Minimum distance between embedded points. Default 0.1. */
  minDist?: number;
  /** Scale of the embedded points (with minDist). Default 1. */
  spread?: number;
  /** Default "euclidean". */
  metric?: Metric;
  /** Seed of the layout's random initialisation and negative sampling. Default 42. */
  seed?: number;
  /**
   * Class labels for supervised UMAP (categorical). Numeric labels below 0 mean "unlabelled".
   * Default: unsupervised.
   */
  labels?: Labels;
  /** Weight of the labels against the data topology, in (0, 1). Default 0.5. */
  targetWeight?: number;
  /** SGD epochs. Default: umap-js's rule (500 up to 2,500 points ... 200 above 7,500). */
  nEpochs?: number;
  /**
   * How the kNN graph is found. Default "auto" (exact up to 60,000 points, "hnsw" above). The
   * HNSW graph is built on all cores and can differ in an occasional neighbour between runs:
   * use "exact" for the same layout bit for bit above 60,000 points.
   */
  knn?: KnnMethod;
  /**
   * Layout engine; all three run umap-js's algorithm on the same kNN graph and give layouts of
   * the same quality (test/umap-engines.test.ts):
   * - "native" (default): the SGD epochs in C++ (core-native `optimizeLayout`), float32,
   *   deterministic for a seed; the fastest.
   * - "fast": umap-js's algorithm re-implemented on typed arrays in JavaScript, the same layout
   *   as "umap-js" bit for bit, several times faster than it.
   * - "umap-js": the umap-js UMAP class itself.
   * The transform of "native" and "fast" uses exact neighbours. Only a "native" model can be
   * saved (`saveUmapModel`).
   */
  engine?: UmapEngine;
  /**
   * Threads of the "native" engine's SGD; 0 = all cores. Default 1: one thread, and the same
   * layout bit for bit for a seed. With more, the threads update the shared coordinates without
   * locks (Hogwild, as umap-learn does when it has no random_state): about 1.5-2× faster on
   * 2 cores at the same layout quality (trustworthiness within 0.01), but the layout changes
   * from run to run. Transforms give the same result for any count.
   */
  threads?: number;
  /**
   * Fit on a uniform sample of this many rows (drawn with `seed`) and place the other rows with
   * the model's `transform`: a large data set's layout for the cost of a sample's. The
   * embedding still covers every row, in input order; the model is the sample's. Default: fit
   * on every row. Needs the "native" or "fast" engine.
   */
  fitSample?: number;
  /** Device of the kNN search: "cpu" | "cuda" | "cuda:N". Default "cpu". */
  device?: string;
  /** Called after each block of epochs with (epochsDone, epochsTotal). */
  onProgress?: (epoch: number, total: number) => void;
  /** Stops the optimisation early (rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface UmapResult {
  /** Row-major coordinates [n, nComponents]. */
  embedding: Float32Array;
  shape: [number, number];
  model: UmapModel;
  /**
   * Seconds spent in the kNN search and in the layout (of the sample, with `fitSample`): `layout`
   * = `graph` (fuzzy graph, edge schedule, initialisation) + `sgd` (the epochs); `transform`:
   * placing the other rows (`fitSample` only).
   */
  timings: { knn: number; layout: number; graph: number; sgd: number; transform?: number };
}

/**
 * Projects `data` (Float32Array [n, d]) to 2 or 3 dimensions. The same inputs and seed give the
 * same layout, bit for bit.
 *
 * @example
 * const { embedding } = await umap(vectors, [n, 768], { metric: "cosine", seed: 1 });
 */
export async function umap(
  data: Float32Array,
  shape: Shape,
  options: UmapOptions = {},
): Promise<UmapResult> {
  checkMatrix(data, shape);
  if (options.fitSample !== undefined) {
    const size = options.fitSample;
    if (!Number.isInteger(size) || size < 2) {
      throw Object.assign(new RangeError(`fitSample must be a whole number >= 2, got ${size}`), {
        code: "ERR_FIT_SAMPLE",
      });
    }
    if (size < shape[0]) return fitOnSample(data, shape, size, options);
  }
  const [n, d] = shape;
  const nNeighbors = options.nNeighbors ?? 15;
  const nComponents = options.nComponents ?? 2;
  const metric = options.metric ?? "euclidean";
  if (n <= nNeighbors) {
    throw Object.assign(
      new RangeError(`umap needs more points (${n}) than nNeighbors (${nNeighbors})`),
      { code: "ERR_TOO_FEW_POINTS" },
    );
  }
  const t0 = performance.now();
  // umap-js expects each point's own index first in its neighbour list (distance 0), as
  // NN-descent produces; with it, localConnectivity and the membership strengths match.
  const graph = await knn(data, shape, {
    k: nNeighbors - 1,
    metric,
    method: options.knn ?? "auto",
    device: options.device ?? "cpu",
  });
  // Row i: the point itself (distance 0), then its nNeighbors - 1 nearest others.
  const lists = withSelf(graph.indices, graph.distances, n, graph.k);
  const t1 = performance.now();
  const random = seededRandom(options.seed ?? 42);
  const target = options.labels ? targetCodes(options.labels, n) : undefined;
  const common = {
    nComponents,
    minDist: options.minDist ?? 0.1,
    spread: options.spread ?? 1,
    ...(options.nEpochs !== undefined && { nEpochs: options.nEpochs }),
  };
  const engine = options.engine ?? "native";
  const fitData = { data, cols: d, metric, device: options.device ?? "cpu" };
  const fitParams = { ...common, random, target, targetWeight: options.targetWeight };
  const run =
    engine === "native"
      ? nativeRun(lists, fitParams, fitData, options)
      : engine === "fast"
        ? fastRun(lists, fitParams, fitData)
        : umapJsRun(data, shape, lists, { ...common, random, metric, target, options });
  const tGraph = performance.now();
  for (let epoch = 0; epoch < run.total; ) {
    options.signal?.throwIfAborted();
    epoch = await run.advance(Math.min(run.total, epoch + run.tick));
    options.onProgress?.(epoch, run.total);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const embedding = run.embedding();
  const t2 = performance.now();
  return {
    embedding,
    shape: [n, nComponents],
    model: run.model,
    timings: {
      knn: (t1 - t0) / 1000,
      layout: (t2 - t1) / 1000,
      graph: (tGraph - t1) / 1000,
      sgd: (t2 - tGraph) / 1000,
    },
  };
}

interface Run {
  total: number;
  /** Epochs per `advance` between progress reports and abort checks. */
  tick: number;
  /** Runs epochs up to `stop`; resolves to the number of epochs done. */
  advance(stop: number): Promise<number>;
  embedding(): Float32Array;
  model: UmapModel;
}

interface FitData {
  data: Float32Array;
  cols: number;
  metric: Metric;
  device: string;
}

/** Places new points onto a fitted layout (exact neighbours among the fitted points). */
async function transformOnto(
  points: Float32Array,
  lists: NeighbourLists,
  fit: FitData,
  fitted: { embedding: Float64Array; a: number; b: number },
  p: FitParams,
): Promise<Float32Array> {
  const m = checkPoints(points, fit.cols);
  const g = await knn(fit.data, [lists.n, fit.cols], {
    k: lists.k,
    metric: fit.metric,
    queries: points,
    device: fit.device,
  });
  const newLists = {
    indices: g.indices,
    distances: Float64Array.from(g.distances),
    n: m,
    k: lists.k,
  };
  const out = transformLayout(
    newLists,
    { ...fitted, nComponents: p.nComponents, nFit: lists.n },
    p.random,
    p.nEpochs,
  );
  return Float32Array.from(out);
}

/** `advance` for an engine that runs one epoch per `step()` (which returns the epochs done). */
function stepwise(step: () => number): Run["advance"] {
  let epoch = 0;
  return async (stop) => {
    while (epoch < stop) epoch = step();
    return epoch;
  };
}

function fastRun(lists: NeighbourLists, p: FitParams, fit: FitData): Run {
  const state = fitLayout(lists, p);
  return {
    total: state.nEpochs,
    tick: 5,
    advance: stepwise(() => state.optimizer.step()),
    embedding: () => Float32Array.from(state.embedding),
    model: unsavable(p.nComponents, fit.cols, "fast", (points) =>
      transformOnto(points, lists, fit, state, p),
    ),
  };
}

function nativeRun(lists: NeighbourLists, p: FitParams, fit: FitData, options: UmapOptions): Run {
  const plan = planFit(lists, p);
  const coords = Float32Array.from(plan.embedding);
  const { head, tail, epochsPerSample } = plan.schedule;
  const { nextSample, nextNegative } = initialSampling(plan.schedule);
  const seed = options.seed ?? 42;
  const state: UmapModelState = {
    data: fit.data,
    cols: fit.cols,
    embedding: coords,
    nComponents: p.nComponents,
    nNeighbors: lists.k,
    metric: fit.metric,
    minDist: p.minDist,
    spread: p.spread,
    a: plan.a,
    b: plan.b,
    seed,
    ...(p.nEpochs !== undefined && { nEpochs: p.nEpochs }),
  };
  const model = umapModel(state);
  let epoch = 0;
  return {
    total: plan.nEpochs,
    tick: 20,
    async advance(stop) {
      await native().optimizeLayout(
        coords,
        null,
        head,
        tail,
        epochsPerSample,
        nextSample,
        nextNegative,
        {
          dim: p.nComponents,
          a: plan.a,
          b: plan.b,
          nEpochs: plan.nEpochs,
          from: epoch,
          to: stop,
          seed,
          negativeSampleRate: DEFAULT_NEGATIVE_SAMPLE_RATE,
          threads: options.threads ?? 1,
        },
      );
      epoch = stop;
      return epoch;
    },
    embedding: () => coords.slice(),
    model: {
      nComponents: model.nComponents,
      cols: model.cols,
      transform: (points, o) =>
        model.transform(points, { threads: options.threads ?? 1, device: fit.device, ...o }),
      save: model.save,
    },
  };
}

/** A model whose transform continues the fit's random sequence, so it cannot be saved. */
function unsavable(
  nComponents: number,
  cols: number,
  engine: UmapEngine,
  transform: (points: Float32Array) => Promise<Float32Array>,
): UmapModel {
  return {
    nComponents,
    cols,
    transform: (points) => transform(points),
    save: async () => {
      throw Object.assign(
        new TypeError(`a UMAP model of the "${engine}" engine cannot be saved; use "native"`),
        { code: "ERR_UMAP_MODEL_ENGINE" },
      );
    },
  };
}

/**
 * `umap()` with `fitSample`: fits on a seeded uniform sample of rows, transforms the others and
 * puts every row's coordinates back in input order.
 */
async function fitOnSample(
  data: Float32Array,
  shape: Shape,
  size: number,
  options: UmapOptions,
): Promise<UmapResult> {
  const [n, d] = shape;
  if (options.engine === "umap-js") {
    throw Object.assign(new TypeError('fitSample needs the "native" or "fast" engine'), {
      code: "ERR_FIT_SAMPLE",
    });
  }
  const rows = sampleIndices(n, size, options.seed ?? 42);
  const inSample = new Uint8Array(n);
  for (const r of rows) inSample[r] = 1;
  const rest = new Int32Array(n - size);
  for (let i = 0, j = 0; i < n; i++) if (!inSample[i]) rest[j++] = i;
  const { fitSample: _, labels, ...fitOptions } = options;
  const fit = await umap(takeRows(data, d, rows), [size, d], {
    ...fitOptions,
    ...(labels && { labels: pick(labels, rows) }),
  });
  const t0 = performance.now();
  const placed = await fit.model.transform(takeRows(data, d, rest), {
    ...(options.signal && { signal: options.signal }),
    ...(options.onProgress && { onProgress: options.onProgress }),
  });
  const c = fit.shape[1];
  const embedding = new Float32Array(n * c);
  for (const [i, r] of rows.entries()) {
    embedding.set(fit.embedding.subarray(i * c, (i + 1) * c), r * c);
  }
  for (const [i, r] of rest.entries()) embedding.set(placed.subarray(i * c, (i + 1) * c), r * c);
  return {
    embedding,
    shape: [n, c],
    model: fit.model,
    timings: { ...fit.timings, transform: (performance.now() - t0) / 1000 },
  };
}

function pick(labels: Labels, rows: Int32Array): Labels {
  const out = Array.from(rows, (r) => (labels as ArrayLike<number | string>)[r]!);
  return out as Labels;
}

function umapJsRun(
  data: Float32Array,
  shape: Shape,
  lists: NeighbourLists,
  p: {
    nComponents: number;
    minDist: number;
    spread: number;
    nEpochs?: number;
    random: () => number;
    metric: Metric;
    target: number[] | undefined;
    options: UmapOptions;
  },
): Run {
  const layout = new UMAP({
    nComponents: p.nComponents,
    nNeighbors: lists.k,
    minDist: p.minDist,
    spread: p.spread,
    random: p.random,
    distanceFn: p.metric === "cosine" ? cosineDistance : euclideanDistance,
    ...(p.nEpochs !== undefined && { nEpochs: p.nEpochs }),
  });
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < lists.n; i++) {
    indices.push(Array.from(lists.indices.subarray(i * lists.k, (i + 1) * lists.k)));
    distances.push(Array.from(lists.distances.subarray(i * lists.k, (i + 1) * lists.k)));
  }
  layout.setPrecomputedKNN(indices, distances);
  if (p.target) {
    layout.setSupervisedProjection(p.target, {
      ...(p.options.targetWeight !== undefined && { targetWeight: p.options.targetWeight }),
    });
  }
  // Rows are zero-copy views; umap-js only indexes them (kept for transform's search).
  const total = layout.initializeFit(rowViews(data, shape) as unknown as number[][]);
  return {
    total,
    tick: 5,
    advance: stepwise(() => layout.step()),
    embedding: () => toFloat32(layout.getEmbedding(), p.nComponents),
    model: unsavable(p.nComponents, shape[1], "umap-js", async (points) => {
      const m = checkPoints(points, shape[1]);
      const out = layout.transform(rowViews(points, [m, shape[1]]) as unknown as number[][]);
      return toFloat32(out, p.nComponents);
    }),
  };
}

function checkPoints(points: Float32Array, cols: number): number {
  const m = points.length / cols;
  checkMatrix(points, [m, cols], "points");
  return m;
}

/** Prepends each point itself (distance 0) to its neighbour list, as NN-descent returns it. */
function withSelf(idx: Int32Array, dist: Float32Array, n: number, k: number): NeighbourLists {
  const kk = k + 1;
  const indices = new Int32Array(n * kk);
  const distances = new Float64Array(n * kk);
  for (let i = 0; i < n; i++) {
    indices[i * kk] = i;
    for (let j = 0; j < k; j++) {
      indices[i * kk + j + 1] = idx[i * k + j]!;
      distances[i * kk + j + 1] = dist[i * k + j]!;
    }
  }
  return { indices, distances, n, k: kk };
}

function toFloat32(rows: number[][], cols: number): Float32Array {
  const out = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => {
    for (let c = 0; c < cols; c++) out[i * cols + c] = row[c]!;
  });
  return out;
}

/** Categorical targets for umap-js: dense codes, -1 for unlabelled (negative numeric labels). */
function targetCodes(labels: Labels, n: number): number[] {
  if (labels.length !== n) {
    throw Object.assign(new RangeError(`labels: expected ${n}, got ${labels.length}`), {
      code: "ERR_LABELS_LENGTH",
    });
  }
  const codes = new Map<number | string, number>();
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const label = (labels as ArrayLike<number | string>)[i]!;
    if (typeof label === "number" && label < 0) {
      out[i] = -1;
      continue;
    }
    if (!codes.has(label)) codes.set(label, codes.size);
    out[i] = codes.get(label)!;
  }
  return out;
}

function euclideanDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]! - y[i]!;
    s += v * v;
  }
  return Math.sqrt(s);
}

function cosineDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i]! * y[i]!;
    nx += x[i]! * x[i]!;
    ny += y[i]! * y[i]!;
  }
  if (nx === 0 && ny === 0) return 0;
  if (nx === 0 || ny === 0) return 1;
  return 1 - dot / Math.sqrt(nx * ny);
}
