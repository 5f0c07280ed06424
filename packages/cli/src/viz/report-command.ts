import { basename, resolve } from "node:path";
import type { DataTable, ReportRun } from "@audiomap/viz";
import type { ReportOptions } from "../commands/report.js";
import { emit } from "../output.js";
import { CliError, ExitCode } from "../run.js";
import { type ClusterFlags, METRIC_SAMPLE, runCluster, runMetrics, runUmap } from "./analysis.js";
import { playableClipPaths } from "./clips.js";
import { extraColumns, type PointColumns, pointColumns } from "./columns.js";
import { readInputTable } from "./input.js";

/** Runs `audiomap report`: metrics for every input, pictures for the first, one report folder. */
export async function runReportCommand(inputs: string[], opts: ReportOptions): Promise<void> {
  const viz = await import("@audiomap/viz");
  const t0 = performance.now();
  const names =
    opts.names?.split(",").map((s) => s.trim()) ??
    inputs.map((p) => basename(p).replace(/\.[^.]+$/, ""));
  if (names.length !== inputs.length)
    throw new CliError(
      `--names has ${names.length} names for ${inputs.length} files`,
      ExitCode.usage,
    );

  const runs: ReportRun[] = [];
  let main:
    | {
        table: DataTable;
        cols: PointColumns;
        clusters: Int32Array;
        layout: Float32Array;
        dims: number;
      }
    | undefined;
  for (const [r, input] of inputs.entries()) {
    const table = await readInputTable(
      input,
      opts.labelColumn ? { labelColumn: opts.labelColumn } : {},
    );
    viz.assertFinite(table);
    const cols = await pointColumns(table, opts.labelColumn);
    let clusters: Int32Array;
    if (r === 0 && opts.clusters) clusters = await readClusters(opts.clusters, table.n);
    else
      clusters = (await runCluster(table.vectors, table.n, table.dim, clusterFlags(opts, cols)))
        .clusters;
    let layout: Float32Array | undefined;
    let dims = 2;
    if (r === 0) {
      if (opts.layout) {
        const l = await readInputTable(opts.layout);
        if (l.n !== table.n)
          throw new CliError(`${opts.layout} has ${l.n} rows, ${input} has ${table.n}`);
        if (l.dim !== 2 && l.dim !== 3)
          throw new CliError(`${opts.layout} is not a 2-D/3-D layout (x, y[, z])`);
        layout = l.vectors;
        dims = l.dim;
      } else {
        layout = await runUmap(table.vectors, table.n, table.dim, {
          dims: 2,
          nNeighbors: opts.neighbors,
          minDist: opts.minDist,
          spread: 1,
          metric: opts.metric,
          seed: opts.seed,
        });
      }
    }
    const metrics = await runMetrics(
      table.vectors,
      table.n,
      table.dim,
      clusters,
      cols.labels,
      layout && { coords: layout, dims },
      opts.metric,
    );
    const nClusters = new Set(Array.from(clusters).filter((c) => c >= 0)).size;
    runs.push({ name: names[r]!, source: input, n: table.n, dim: table.dim, metrics, nClusters });
    if (r === 0) main = { table, cols, clusters, layout: layout!, dims };
  }
  if (!main) throw new CliError("no input files", ExitCode.usage);

  const outDir = resolve(opts.output);
  const audioResult =
    main.cols.paths && opts.audio !== "none"
      ? viz.audioSourcesWithCaps(
          await playableClipPaths(main.cols.paths, inputs[0]!, {
            mode: opts.audio,
            htmlDir: outDir,
          }),
          { mode: opts.audio, htmlDir: outDir },
        )
      : undefined;
  const audio = audioResult?.sources;
  const capMessage = audioResult && viz.audioCapMessage(audioResult);
  if (capMessage && !opts.quiet) process.stderr.write(`audiomap report: ${capMessage}\n`);
  const summary: Record<string, string | number> = {
    "main file": inputs[0]!,
    clips: main.table.n,
    "vector width": main.table.dim,
    "vector column": describeColumns(main.table.vectorColumns),
  };
  if (main.cols.labels) {
    summary["label column"] = main.cols.labelColumn!;
    summary.labels = new Set(main.cols.labels).size;
  }
  for (const kv of opts.summary ?? []) {
    const eq = kv.indexOf("=");
    if (eq > 0) summary[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  // The page lists each clicked clip's nearest clips in embedding space (not in the layout).
  const pageK = Math.min(opts.pageNeighbors, main.table.n - 1);
  const neighbors =
    pageK >= 1
      ? await viz.knn(main.table.vectors, [main.table.n, main.table.dim], {
          k: pageK,
          metric: opts.metric,
        })
      : undefined;
  const files = await viz.writeReport(outDir, {
    title: opts.title,
    summary,
    runs,
    layout: { coords: main.layout, n: main.table.n, dims: main.dims },
    ids: main.cols.ids,
    ...(main.cols.labels && { labels: main.cols.labels }),
    clusters: Array.from(main.clusters, String),
    ...(main.cols.predictions && { predictions: main.cols.predictions }),
    ...(main.cols.paths && { paths: main.cols.paths }),
    ...(audio && { audio }),
    columns: extraColumns(main.table, main.cols),
    ...(neighbors && {
      neighbors: { k: pageK, indices: neighbors.indices, distances: neighbors.distances },
    }),
    notes: runs.some((r) => r.n > METRIC_SAMPLE)
      ? [
          `Silhouette and trustworthiness of runs with more than ${METRIC_SAMPLE.toLocaleString("en-US")} points are estimated on a seeded sample of ${METRIC_SAMPLE.toLocaleString("en-US")} points.`,
        ]
      : [],
    parameters: {
      command: ["audiomap", "report", ...process.argv.slice(3)].join(" "),
      inputs,
      method: opts.method,
      k: opts.k ?? null,
      autoK: opts.autoK ?? null,
      minClusterSize: opts.minClusterSize,
      umap: opts.layout
        ? { layout: opts.layout }
        : { nNeighbors: opts.neighbors, minDist: opts.minDist, metric: opts.metric, dims: 2 },
      seed: opts.seed,
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const predictions =
    main.cols.labels && main.cols.predictions
      ? viz.predictionSummary(main.cols.labels, main.cols.predictions)
      : undefined;
  const result = {
    output: outDir,
    files,
    ...(predictions && {
      predictions: {
        n: predictions.n,
        missing: predictions.missing,
        accuracy: predictions.accuracy,
        topConfusions: predictions.topConfusions,
      },
    }),
    runs: runs.map((r) => ({
      name: r.name,
      n: r.n,
      dim: r.dim,
      clusters: r.nClusters,
      metrics: r.metrics,
    })),
    seconds,
  };
  emit(opts, result, () => [
    `report: ${files.html} (${seconds.toFixed(1)} s)`,
    ...runs.map((run) => {
      const m = Object.entries(run.metrics)
        .map(([k, v]) => `${k} ${v === undefined ? "–" : v.toFixed(3)}`)
        .join(" · ");
      return `  ${run.name}: ${run.n} × ${run.dim}, ${run.nClusters} clusters · ${m}`;
    }),
    ...(predictions
      ? [
          `  predictions: top-1 accuracy ${(100 * predictions.accuracy).toFixed(1)}% on ${predictions.n} clips${predictions.missing > 0 ? ` (${predictions.missing} without a label or prediction)` : ""} · confusion matrix ${files.confusion}`,
        ]
      : []),
  ]);
}

function clusterFlags(opts: ReportOptions, cols: PointColumns): ClusterFlags {
  const flags: ClusterFlags = {
    method: opts.method,
    seed: opts.seed,
    minClusterSize: opts.minClusterSize,
  };
  if (opts.k !== undefined) flags.k = opts.k;
  else if (opts.autoK) flags.autoK = opts.autoK;
  else if (opts.method !== "hdbscan") {
    // Without --k, use as many clusters as there are labels, so clusters can match labels one to one.
    const k = cols.labels ? new Set(cols.labels).size : 0;
    if (k >= 2) flags.k = k;
    else flags.autoK = [2, 20];
  }
  return flags;
}

/** Reads a clusters file from `audiomap cluster` (a `cluster` column, rows in input order). */
async function readClusters(path: string, n: number): Promise<Int32Array> {
  const viz = await import("@audiomap/viz");
  const t = await viz.readTable(path, { features: [] });
  const col = t.meta.cluster;
  if (!col) throw new CliError(`${path} has no "cluster" column`);
  if (t.n !== n) throw new CliError(`${path} has ${t.n} rows, the main file has ${n}`);
  return Int32Array.from(col, (v) => Number(v ?? -1));
}

/** "embedding", or "px0 … px63 (64 numeric columns)" for wide generic tables. */
function describeColumns(cols: string[]): string {
  if (cols.length <= 4) return cols.join(", ");
  return `${cols[0]} … ${cols[cols.length - 1]} (${cols.length} numeric columns)`;
}
