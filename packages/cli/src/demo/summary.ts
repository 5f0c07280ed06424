/** What `audiomap demo` prints when it is done: the report's path and the metrics. */

/** The demo's result (also its `--json` output). */
export interface DemoSummary {
  /** The report's self-contained index.html. */
  report: string;
  markdown: string;
  interactive: string | null;
  metricsFile: string;
  pictures: string[];
  /** The embeddings table (Parquet) and its errors file. */
  embeddings: string;
  errorsFile: string;
  /** layout.parquet (x, y, id) and clusters.parquet (cluster, id, label, prediction). */
  layout: string;
  clusters: string;
  data: { dir: string; clips: number; words: number; reused: boolean };
  model: string;
  /** Embedded clips, and clips that became error rows. */
  rows: number;
  failed: number;
  nClusters: number;
  /** silhouette, ari, nmi, homogeneity, completeness, vMeasure, purity, trustworthiness, accuracy. */
  metrics: Record<string, number>;
  /** Seconds per stage: data, model, embed (with the predictions), umap, cluster, metrics, report, total. */
  timings: Record<string, number>;
}

const LABELS: [string, string][] = [
  ["accuracy", "top-1 accuracy (head)"],
  ["ari", "ARI (k-means vs words)"],
  ["nmi", "NMI"],
  ["vMeasure", "V-measure"],
  ["purity", "purity"],
  ["silhouette", "silhouette"],
  ["trustworthiness", "trustworthiness (UMAP)"],
];

/** Prints the summary: JSON on stdout, or a short human-readable block. */
export function printSummary(s: DemoSummary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  const lines = [
    "",
    `report: ${s.report}`,
    `        ${s.interactive ?? ""}`,
    `${s.rows} clips embedded${s.failed ? `, ${s.failed} failed (${s.errorsFile})` : ""}, ${s.data.words} words, ${s.nClusters} clusters`,
  ];
  for (const [key, name] of LABELS) {
    const v = s.metrics[key];
    if (v !== undefined) lines.push(`  ${name.padEnd(24)} ${Number.isNaN(v) ? "–" : v.toFixed(3)}`);
  }
  const t = s.timings;
  const stages = Object.entries(t)
    .filter(([k]) => k !== "total")
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(" · ");
  lines.push(`time: ${(t.total ?? 0).toFixed(1)} s (${stages})`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
