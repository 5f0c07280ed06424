/**
 * The layout, clustering and metric calls the viz commands make, in one place. They come
 * from @audiomap/viz (umap/, cluster/, metrics/); this file adapts their options to the
 * commands' flags.
 */
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

/** Clustering flags. */
export interface ClusterFlags {
  method: "kmeans" | "hdbscan" | "agglomerative";
  k?: number;
  autoK?: [number, number];
  minClusterSize?: number;
  seed: number;
}

type Fn = (...args: never[]) => unknown;

async function vizFunction<T extends Fn>(name: string): Promise<T> {
  const viz = (await import("@audiomap/viz")) as unknown as Record<string, unknown>;
  const fn = viz[name];
  if (typeof fn !== "function")
    throw new CliError(
      `@audiomap/viz has no ${name}() in this build; rebuild the workspace (pnpm build)`,
    );
  return fn as T;
}

/** Projects `n × dim` vectors to `flags.dims` dimensions; returns row-major coordinates. */
export async function runUmap(
  vectors: Float32Array,
  n: number,
  dim: number,
  flags: UmapFlags,
): Promise<Float32Array> {
  const umap =
    await vizFunction<
      (
        data: { data: Float32Array; shape: [number, number] },
        options: Record<string, unknown>,
      ) => Promise<{ embedding: Float32Array }>
    >("umap");
  const result = await umap(
    { data: vectors, shape: [n, dim] },
    {
      nComponents: flags.dims,
      nNeighbors: flags.nNeighbors,
      minDist: flags.minDist,
      spread: flags.spread,
      metric: flags.metric,
      seed: flags.seed,
      ...(flags.labels && { labels: flags.labels }),
    },
  );
  return result.embedding;
}

/** Clusters `n × dim` vectors; returns one cluster id per row (-1 = noise) and the count. */
export async function runCluster(
  vectors: Float32Array,
  n: number,
  dim: number,
  flags: ClusterFlags,
): Promise<{ clusters: Int32Array; k: number }> {
  throw new CliError(
    `clustering is not wired yet (${flags.method}, ${n}×${dim}, ${vectors.length})`,
  );
}

/** Cluster-quality and agreement metrics, by report key (see METRIC_HEADINGS). */
export async function runMetrics(
  vectors: Float32Array,
  n: number,
  dim: number,
  clusters: Int32Array,
  labels: string[] | undefined,
  layout?: { coords: Float32Array; dims: number },
): Promise<Record<string, number>> {
  const viz = (await import("@audiomap/viz")) as unknown as Record<string, unknown>;
  type Agreement = (labelsTrue: readonly string[], labelsPred: ArrayLike<number>) => number;
  const out: Record<string, number> = {};
  if (labels) {
    const ari = viz.adjustedRandIndex as Agreement | undefined;
    const nmi = viz.normalizedMutualInfo as Agreement | undefined;
    const purity = viz.purity as Agreement | undefined;
    const vm = viz.vMeasure as
      | ((
          t: readonly string[],
          p: ArrayLike<number>,
        ) => { homogeneity: number; completeness: number; vMeasure: number })
      | undefined;
    if (ari) out.ari = ari(labels, clusters);
    if (nmi) out.nmi = nmi(labels, clusters);
    if (vm) Object.assign(out, vm(labels, clusters));
    if (purity) out.purity = purity(labels, clusters);
  }
  void vectors;
  void n;
  void dim;
  void layout;
  return out;
}
