/**
 * The layout, clustering and metric calls the viz commands make, in one place. They come
 * from @audiomap/viz (umap/, cluster/, metrics/); this file adapts the commands' flags to them.
 */
// Every importer of this file (the viz commands, demo) is itself loaded lazily by its command's
// action, so a static import keeps @audiomap/viz off the `--help` path.
import {
  adjustedRandIndex,
  agglomerative,
  autoK,
  hdbscan,
  kmeans,
  loadUmapModel,
  miniBatchKmeans,
  normalizedMutualInfo,
  purity,
  silhouette,
  trustworthiness,
  umap,
  vMeasure,
} from "@audiomap/viz";
import { CliError, ExitCode } from "../run.js";

/** UMAP flags. */
export interface UmapFlags {
  dims: 2 | 3;
  nNeighbors: number;
  minDist: number;
  spread: number;
  metric: "euclidean" | "cosine";
  seed: number;
  /** Labels for supervised UMAP. */
  labels?: string[];
  /** Fit on a seeded sample of this many rows and transform the others. */
  fitSample?: number;
  /** SGD threads (0 = all cores); 1 = reproducible. */
  threads?: number;
  /** Write the fitted model here. */
  saveModel?: string;
}

/** Projects `n × dim` vectors to `flags.dims` dimensions; returns row-major coordinates. */
export async function runUmap(
  vectors: Float32Array,
  n: number,
  dim: number,
  flags: UmapFlags,
): Promise<Float32Array> {
  const result = await umap(vectors, [n, dim], {
    nComponents: flags.dims,
    nNeighbors: flags.nNeighbors,
    minDist: flags.minDist,
    spread: flags.spread,
    metric: flags.metric,
    seed: flags.seed,
    ...(flags.labels && { labels: flags.labels }),
    ...(flags.fitSample !== undefined && { fitSample: flags.fitSample }),
    ...(flags.threads !== undefined && { threads: flags.threads }),
  });
  if (flags.saveModel) await result.model.save(flags.saveModel);
  return result.embedding;
}

/**
 * Places `n × dim` vectors onto the layout saved in `modelPath`; returns row-major coordinates
 * and the model's dimensions. A file that is not a model is a usage error.
 */
export async function transformUmap(
  vectors: Float32Array,
  n: number,
  dim: number,
  modelPath: string,
  threads: number,
): Promise<{ coords: Float32Array; dims: 2 | 3 }> {
  const model = await loadUmapModel(modelPath).catch((err: Error & { code?: string }) => {
    if (err.code === "ERR_UMAP_MODEL_FILE" || err.code === "ENOENT")
      throw new CliError(err.message, ExitCode.usage);
    throw err;
  });
  if (model.cols !== dim) {
    throw new CliError(
      `${modelPath} was fitted on ${model.cols}-column vectors; the input has ${dim} columns`,
      ExitCode.usage,
    );
  }
  const coords = await model.transform(vectors.subarray(0, n * dim), { threads });
  return { coords, dims: model.nComponents as 2 | 3 };
}

/** Clustering flags. */
export interface ClusterFlags {
  method: "kmeans" | "hdbscan" | "agglomerative";
  k?: number;
  autoK?: [number, number];
  /** k-means by mini-batches (miniBatchKmeans) instead of full Lloyd iterations. */
  minibatch?: boolean;
  minClusterSize?: number;
  /** HDBSCAN core-distance neighbourhood (default: minClusterSize). */
  minSamples?: number;
  /** Agglomerative linkage (default "ward"). */
  linkage?: "ward" | "average";
  /** Neighbours per point of the kNN graph that HDBSCAN and agglomerative use above their dense limits. */
  knn?: number;
  seed: number;
}

/** Clusters `n × dim` vectors; returns one cluster id per row (-1 = noise) and the count. */
export async function runCluster(
  vectors: Float32Array,
  n: number,
  dim: number,
  flags: ClusterFlags,
): Promise<{ clusters: Int32Array; k: number }> {
  const shape = [n, dim] as const;
  let labels: Int32Array;
  if (flags.method === "kmeans") {
    const fit = flags.minibatch ? miniBatchKmeans : kmeans;
    if (flags.k !== undefined)
      labels = (await fit(vectors, shape, { k: flags.k, seed: flags.seed })).labels;
    else {
      const [kMin, kMax] = flags.autoK ?? [2, 20];
      const options = { kMin, kMax, seed: flags.seed, miniBatch: flags.minibatch === true };
      labels = (await autoK(vectors, shape, options)).labels;
    }
  } else if (flags.method === "hdbscan") {
    const options = {
      minClusterSize: flags.minClusterSize ?? 10,
      ...(flags.minSamples !== undefined && { minSamples: flags.minSamples }),
      ...(flags.knn !== undefined && { knn: flags.knn }),
    };
    labels = (await hdbscan(vectors, shape, options)).labels;
  } else {
    if (flags.k === undefined) throw new CliError("--method agglomerative needs --k");
    const options = {
      k: flags.k,
      ...(flags.linkage && { linkage: flags.linkage }),
      ...(flags.knn !== undefined && { knn: flags.knn }),
    };
    labels = (await agglomerative(vectors, shape, options)).labels;
  }
  const k = new Set(Array.from(labels).filter((c) => c >= 0)).size;
  return { clusters: labels, k };
}

/** Points above which silhouette and trustworthiness are estimated on a seeded subset. */
export const METRIC_SAMPLE = 10_000;

/**
 * Cluster-quality and agreement metrics, by report key (see METRIC_HEADINGS): silhouette of
 * the clusters on the vectors; with labels, ARI, NMI, homogeneity, completeness, V-measure and
 * purity; with a layout, trustworthiness (k = 15). Silhouette and trustworthiness use a
 * seeded subset of 10,000 points above that size.
 */
export async function runMetrics(
  vectors: Float32Array,
  n: number,
  dim: number,
  clusters: Int32Array,
  labels: string[] | undefined,
  layout?: { coords: Float32Array; dims: number },
  metric: "euclidean" | "cosine" = "euclidean",
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const sample = n > METRIC_SAMPLE ? { sampleSize: METRIC_SAMPLE, seed: 0 } : {};
  const k = new Set(clusters).size;
  // Silhouette is defined for 2 <= clusters <= n - 1 only.
  if (k >= 2 && k <= n - 1)
    out.silhouette = await silhouette(vectors, [n, dim], clusters, {
      metric,
      ...sample,
    });
  if (labels) {
    out.ari = adjustedRandIndex(labels, clusters);
    out.nmi = normalizedMutualInfo(labels, clusters);
    Object.assign(out, vMeasure(labels, clusters));
    out.purity = purity(labels, clusters);
  }
  if (layout && n > 45)
    out.trustworthiness = await trustworthiness(
      vectors,
      [n, dim],
      layout.coords,
      [n, layout.dims],
      { nNeighbors: 15, metric, ...sample },
    );
  return out;
}
