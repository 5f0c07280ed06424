import { basename } from "node:path";
import type { UmapOptions } from "../commands/umap.js";
import { emit } from "../output.js";
import { CliError, ExitCode } from "../run.js";
import { runUmap } from "./analysis.js";
import { pointColumns } from "./columns.js";
import { readInputTable } from "./input.js";
import { besideOutput, writePictures } from "./pictures.js";

/** Runs `audiomap umap`: read → UMAP → layout file (+ pictures). */
export async function runUmapCommand(input: string, opts: UmapOptions): Promise<void> {
  const viz = await import("@audiomap/viz");
  const t0 = performance.now();
  const table = await readInputTable(input, {
    ...(opts.column && { vectorColumn: opts.column }),
    ...(opts.labelColumn && { labelColumn: opts.labelColumn }),
  });
  viz.assertFinite(table);
  const cols = await pointColumns(table, opts.labelColumn);
  if (opts.supervised && !cols.labels)
    throw new CliError("--supervised needs a label column (see --label-column)", ExitCode.usage);
  if (table.n <= opts.neighbors)
    throw new CliError(
      `${table.n} rows is too few for --neighbors ${opts.neighbors}`,
      ExitCode.usage,
    );
  const coords = await runUmap(table.vectors, table.n, table.dim, {
    dims: opts.dims,
    nNeighbors: opts.neighbors,
    minDist: opts.minDist,
    spread: opts.spread,
    metric: opts.metric,
    seed: opts.seed,
    ...(opts.supervised && cols.labels && { labels: cols.labels }),
  });
  const axes = ["x", "y", "z"].slice(0, opts.dims);
  const numeric: Record<string, Float32Array> = {};
  axes.forEach((a, j) => {
    numeric[a] = Float32Array.from({ length: table.n }, (_, i) => coords[i * opts.dims + j]!);
  });
  await viz.writeTable(opts.output, {
    numeric,
    meta: table.meta,
    ...(table.metaTypes && { metaTypes: table.metaTypes }),
  });
  const written = await writePictures(coords, table.n, opts.dims, cols, input, {
    title: opts.title ?? basename(input),
    audio: opts.audio,
    ...optionalTarget("png", besideOutput(opts.png, opts.output, ".png")),
    ...optionalTarget("svg", besideOutput(opts.svg, opts.output, ".svg")),
    ...optionalTarget("html", besideOutput(opts.html, opts.output, ".html")),
  });
  const seconds = (performance.now() - t0) / 1000;
  const summary = {
    input,
    n: table.n,
    dim: table.dim,
    dims: opts.dims,
    output: opts.output,
    pictures: written,
    seconds,
  };
  emit(opts, summary, () => [
    `umap: ${table.n} × ${table.dim} → ${opts.dims}-D in ${seconds.toFixed(1)} s → ${[opts.output, ...written].join(", ")}`,
  ]);
}

function optionalTarget<K extends string>(
  key: K,
  path: string | undefined,
): Partial<Record<K, string>> {
  return path ? ({ [key]: path } as Record<K, string>) : {};
}
