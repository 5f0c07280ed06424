import type { PageNeighbors, PageValue } from "../html/data.js";
import type { Layout } from "../plot/scatter.js";

/** Metric names in table order, with the headings shown in reports. */
export const METRIC_HEADINGS: Record<string, string> = {
  silhouette: "Silhouette",
  ari: "ARI",
  nmi: "NMI",
  homogeneity: "Homogeneity",
  completeness: "Completeness",
  vMeasure: "V-measure",
  purity: "Purity",
  trustworthiness: "Trustworthiness",
  knnAccuracy: "kNN accuracy",
};

/** One embedding file's results: a row of the comparison table. */
export interface ReportRun {
  /** Short name, e.g. "layer 6" or "mfcc". */
  name: string;
  /** The file it came from. */
  source: string;
  /** Rows and vector width. */
  n: number;
  dim: number;
  /** Metric values by key (see METRIC_HEADINGS); missing ones print as "–". */
  metrics: Record<string, number | undefined>;
  /** Number of clusters found (noise excluded). */
  nClusters?: number;
}

/** A clip shown as a per-cluster example. */
export interface ReportExample {
  id: string;
  label?: string;
  path?: string;
  /** Audio source relative to the report folder, or a data: URI. */
  audio?: string | null;
}

/** Everything `writeReport` needs. The first run is the main one; others are compared. */
export interface ReportInput {
  /** Report title. Default: "audiomap report". */
  title?: string;
  /** Free-form dataset and model facts shown as a two-column table (e.g. model, layer, pooling). */
  summary: Record<string, string | number>;
  /** The runs, main one first. */
  runs: ReportRun[];
  /** The main run's 2-D or 3-D layout, for the scatter plots and the interactive page. */
  layout?: Layout;
  /** Per-point metadata of the main run. */
  ids?: string[];
  labels?: string[];
  clusters?: string[];
  predictions?: string[];
  paths?: string[];
  /** Audio source per point (see `audioSources`), for the page and the examples. */
  audio?: (string | null)[];
  /** Other per-point columns for the page: colour by, filter by, shown in the tooltip. */
  columns?: Record<string, readonly PageValue[]>;
  /** The main run's nearest neighbours in embedding space, listed in the page on click. */
  neighbors?: PageNeighbors;
  /** Examples per cluster. Default: 3. */
  examplesPerCluster?: number;
  /** Notes printed under the metrics table (e.g. how metrics were sampled). Default: none. */
  notes?: string[];
  /** The run's parameters, printed for reproduction (e.g. the command line and UMAP options). */
  parameters: Record<string, unknown>;
}
