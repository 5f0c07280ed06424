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
  normalizedMutualInfo,
  purity,
  silhouette,
  trustworthiness,
  umap,
  vMeasure,
} from "@audiomap/viz";
import { CliError } from "../run.js";

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
  });
  return result.embedding;
}

/** Clustering flags. */
export interface ClusterFlags {
  method: "kmeans" | "hdbscan" | "agglomerative";
  k?: number;
  autoK?: [number, number];
  minClusterSize?: number;
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
    if (flags.k !== undefined)
      labels = (await kmeans(vectors, shape, { k: flags.k, seed: flags.seed })).labels;
    else {
      const [kMin, kMax] = flags.autoK ?? [2, 20];
      labels = (await autoK(vectors, shape, { kMin, kMax, seed: flags.seed })).labels;
    }
  } else if (flags.method === "hdbscan") {
    labels = (await hdbscan(vectors, shape, { minClusterSize: flags.minClusterSize ?? 10 })).labels;
  } else {
    if (flags.k === undefined) throw new CliError("--method agglomerative needs --k");
    labels = (await agglomerative(vectors, shape, { k: flags.k })).labels;
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
