/**
 * UMAP layouts with umap-js, fed a k-nearest-neighbour graph computed natively (umap-js's own
 * NN-descent in JavaScript is its slowest part). Typed arrays at the edges.
 */
import { UMAP } from "umap-js";
import { type KnnMethod, knn, type Metric } from "../knn/knn.js";
import { checkMatrix, rowViews, type Shape } from "../knn/matrix.js";
import type { Labels } from "../metrics/labels.js";
import { seededRandom } from "./random.js";

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
  /** How the kNN graph is found. Default "auto" (exact up to 60,000 points). */
  knn?: KnnMethod;
  /** Device of the kNN search: "cpu" | "cuda" | "cuda:N". Default "cpu". */
  device?: string;
  /** Called after each block of epochs with (epochsDone, epochsTotal). */
  onProgress?: (epoch: number, total: number) => void;
  /** Stops the optimisation early (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** A fitted layout; `transform` places new points onto it. */
export interface UmapModel {
  /**
   * Embeds new points (Float32Array [m, cols]) into the existing layout without moving it,
   * using umap-js's transform. Returns Float32Array [m, nComponents].
   */
  transform(points: Float32Array): Float32Array;
}

export interface UmapResult {
  /** Row-major coordinates [n, nComponents]. */
  embedding: Float32Array;
  shape: [number, number];
  model: UmapModel;
  /** Seconds spent in the kNN search and in the layout optimisation. */
  timings: { knn: number; layout: number };
}

const EPOCHS_PER_TICK = 5;

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
  const indices: number[][] = new Array(n);
  const distances: number[][] = new Array(n);
  const k = graph.k;
  for (let i = 0; i < n; i++) {
    const idx = [i];
    const dist = [0];
    for (let j = 0; j < k; j++) {
      idx.push(graph.indices[i * k + j]!);
      dist.push(graph.distances[i * k + j]!);
    }
    indices[i] = idx;
    distances[i] = dist;
  }
  const t1 = performance.now();

  const layout = new UMAP({
    nComponents,
    nNeighbors,
    minDist: options.minDist ?? 0.1,
    spread: options.spread ?? 1,
    random: seededRandom(options.seed ?? 42),
    distanceFn: metric === "cosine" ? cosineDistance : euclideanDistance,
    ...(options.nEpochs !== undefined && { nEpochs: options.nEpochs }),
  });
  layout.setPrecomputedKNN(indices, distances);
  if (options.labels)
    layout.setSupervisedProjection(targetCodes(options.labels, n), {
      ...(options.targetWeight !== undefined && { targetWeight: options.targetWeight }),
    });
  // Rows are zero-copy views; umap-js only indexes them (kept for transform's search).
  const rows = rowViews(data, shape) as unknown as number[][];
  const total = layout.initializeFit(rows);
  for (let epoch = 0; epoch < total; ) {
    options.signal?.throwIfAborted();
    const stop = Math.min(total, epoch + EPOCHS_PER_TICK);
    while (epoch < stop) epoch = layout.step();
    options.onProgress?.(epoch, total);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const embedding = toFloat32(layout.getEmbedding(), nComponents);
  const t2 = performance.now();
  return {
    embedding,
    shape: [n, nComponents],
    model: {
      transform(points: Float32Array): Float32Array {
        checkMatrix(points, [points.length / d, d], "points");
        const out = layout.transform(
          rowViews(points, [points.length / d, d]) as unknown as number[][],
        );
        return toFloat32(out, nComponents);
      },
    },
    timings: { knn: (t1 - t0) / 1000, layout: (t2 - t1) / 1000 },
  };
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
