/** The demo's report folder: viz's report (HTML, Markdown, map, pictures) and the point tables. */
import { relative } from "node:path";
import type { PageNeighbors } from "@audiomap/viz";
import type { DemoFlags } from "../commands/demo.js";
import type { PointColumns } from "../viz/columns.js";
import type { DemoData } from "./data.js";
import { DATA_SEED } from "./data.js";
import { writeDemoTables } from "./tables.js";

/** What the demo computed, for its report. */
export interface DemoReportInput {
  flags: DemoFlags;
  words: string[];
  data: DemoData;
  /** Model path as shown, and "L layers × H". */
  modelPath: string;
  modelSize: string;
  embeddings: string;
  /** Clips that became error rows. */
  failed: number;
  dim: number;
  cols: PointColumns;
  labels: string[];
  /** Row-major [n, 2] UMAP layout and its neighbour count. */
  layout: Float32Array;
  nNeighbors: number;
  clusters: Int32Array;
  nClusters: number;
  /** k asked of k-means (the number of words) when --auto-k is not given. */
  k: number;
  metrics: Record<string, number>;
  predictions?: string[];
  /** The embeddings table's other columns (voice, duration, score, ...), for the page. */
  columns?: Record<string, readonly (string | number | null)[]>;
  /** Embedding-space neighbours per clip, for the page. */
  neighbors?: PageNeighbors;
}

/** Paths written: viz's ReportFiles plus layout.parquet and clusters.parquet. */
export interface DemoReportFiles {
  html: string;
  markdown: string;
  metrics: string;
  pictures: string[];
  interactive?: string;
  layout: string;
  clusters: string;
}

/** Writes the report folder. Clips are linked relative to it (or embedded with --audio embed). */
export async function writeDemoReport(
  outDir: string,
  r: DemoReportInput,
): Promise<DemoReportFiles> {
  const viz = await import("@audiomap/viz");
  const { flags, cols, metrics } = r;
  const n = cols.ids.length;
  const audioResult =
    cols.paths && flags.audio !== "none"
      ? viz.audioSourcesWithCaps(cols.paths, { mode: flags.audio, htmlDir: outDir })
      : undefined;
  const audio = audioResult?.sources;
  const capMessage = audioResult && viz.audioCapMessage(audioResult);
  if (capMessage && !flags.quiet) process.stderr.write(`audiomap demo: ${capMessage}\n`);
  const accuracy =
    metrics.accuracy === undefined ? "–" : `${(metrics.accuracy * 100).toFixed(1)} %`;
  const files = await viz.writeReport(outDir, {
    title: "audiomap demo: spoken keywords",
    summary: {
      data: `${r.data.clips} clips: ${r.words.length} Speech Commands words × ${flags.perWord}, espeak-ng (tools/train/gen_data.py, seed ${DATA_SEED})`,
      "held-out voices": r.data.voices.join(", ") || "–",
      model: r.modelPath,
      "model size": r.modelSize,
      embedding: `layer ${flags.layer}, mean over frames${flags.normalize ? ", L2-normalised" : ""} (${r.dim} values)`,
      "top-1 accuracy (model head)": accuracy,
      "embedding errors": r.failed,
    },
    runs: [
      {
        name: "demo",
        source: relative(outDir, r.embeddings),
        n,
        dim: r.dim,
        metrics,
        nClusters: r.nClusters,
      },
    ],
    layout: { coords: r.layout, n, dims: 2 },
    ids: cols.ids,
    labels: r.labels,
    clusters: Array.from(r.clusters, String),
    ...(r.predictions && { predictions: r.predictions }),
    ...(r.neighbors && { neighbors: r.neighbors }),
    ...(r.columns && { columns: r.columns }),
    ...(cols.paths && { paths: cols.paths }),
    ...(audio && { audio }),
    notes: [
      "Every clip is spoken by an espeak-ng voice variant held out from the model's training data.",
      `Top-1 accuracy compares the classification head's most probable label with the spoken word: ${accuracy}.`,
    ],
    parameters: {
      command: ["audiomap", "demo", ...process.argv.slice(3)].join(" "),
      data: { dir: r.data.dir, words: r.words, perWord: flags.perWord, seed: DATA_SEED },
      model: r.modelPath,
      layer: flags.layer,
      normalize: Boolean(flags.normalize),
      umap: { nNeighbors: r.nNeighbors, minDist: 0.1, metric: "euclidean", dims: 2 },
      kmeans: flags.autoK ? { autoK: flags.autoK } : { k: r.k },
      seed: flags.seed,
    },
  });
  const tables = await writeDemoTables(outDir, {
    ids: cols.ids,
    labels: r.labels,
    layout: r.layout,
    clusters: r.clusters,
    ...(r.predictions && { predictions: r.predictions }),
    ...(r.neighbors && { neighbors: r.neighbors }),
    ...(r.columns && { columns: r.columns }),
  });
  return { ...files, ...tables };
}
