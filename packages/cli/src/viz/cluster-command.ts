import type { ClusterOptions } from "../commands/cluster.js";
import { emit } from "../output.js";
import { CliError, ExitCode } from "../run.js";
import { runCluster, runMetrics } from "./analysis.js";
import { pointColumns } from "./columns.js";
import { readInputTable } from "./input.js";

/** Runs `audiomap cluster`: read → cluster → clusters file, and prints metrics vs labels. */
export async function runClusterCommand(input: string, opts: ClusterOptions): Promise<void> {
  const viz = await import("@audiomap/viz");
  if (opts.minibatch && opts.method !== "kmeans")
    throw new CliError("--minibatch applies to --method kmeans only", ExitCode.usage);
  if (opts.method !== "hdbscan" && opts.k === undefined && opts.autoK === undefined)
    throw new CliError(`--method ${opts.method} needs --k or --auto-k`, ExitCode.usage);
  const table = await readInputTable(input, {
    ...(opts.column && { vectorColumn: opts.column }),
    ...(opts.labelColumn && { labelColumn: opts.labelColumn }),
  });
  viz.assertFinite(table);
  const cols = await pointColumns(table, opts.labelColumn);
  const { clusters, k } = await runCluster(table.vectors, table.n, table.dim, {
    method: opts.method,
    seed: opts.seed,
    minClusterSize: opts.minClusterSize,
    ...(opts.minSamples !== undefined && { minSamples: opts.minSamples }),
    ...(opts.linkage && { linkage: opts.linkage }),
    ...(opts.knn !== undefined && { knn: opts.knn }),
    ...(opts.k !== undefined && { k: opts.k }),
    ...(opts.autoK && { autoK: opts.autoK }),
    ...(opts.minibatch && { minibatch: true }),
  });
  const metrics = await runMetrics(table.vectors, table.n, table.dim, clusters, cols.labels);
  const meta: Record<string, (string | number | null)[]> = { id: cols.ids };
  if (cols.labels) meta.label = cols.labels;
  if (cols.paths) meta.path = cols.paths;
  await viz.writeTable(opts.output, { numeric: { cluster: clusters }, meta });
  const noise = clusters.reduce((a, c) => a + (c < 0 ? 1 : 0), 0);
  const summary = {
    input,
    n: table.n,
    dim: table.dim,
    method: opts.method,
    clusters: k,
    noise,
    metrics,
    output: opts.output,
  };
  emit(opts, summary, () => [
    `cluster: ${table.n} × ${table.dim} → ${k} clusters (${opts.method})${noise ? `, ${noise} noise` : ""} → ${opts.output}`,
    ...Object.entries(metrics).map(([name, v]) => `  ${name.padEnd(16)} ${v.toFixed(4)}`),
  ]);
}
