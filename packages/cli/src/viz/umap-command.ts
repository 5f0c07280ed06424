import { basename } from "node:path";
import type { UmapOptions } from "../commands/umap.js";
import { emit } from "../output.js";
import { CliError, ExitCode } from "../run.js";
import { runUmap, transformUmap } from "./analysis.js";
import { pointColumns } from "./columns.js";
import { readInputTable } from "./input.js";
import { besideOutput, writePictures } from "./pictures.js";

/** Runs `audiomap umap`: read → UMAP fit or transform → layout file (+ pictures). */
export async function runUmapCommand(input: string, opts: UmapOptions): Promise<void> {
  if (opts.transformWith) {
    const clash = [
      opts.fitSample !== undefined && "--fit-sample",
      opts.saveModel && "--save-model",
      opts.supervised && "--supervised",
    ].filter(Boolean);
    if (clash.length > 0)
      throw new CliError(`--transform-with fits nothing: drop ${clash.join(", ")}`, ExitCode.usage);
  }
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
  const fitRows = Math.min(table.n, opts.fitSample ?? table.n);
  if (!opts.transformWith && fitRows <= opts.neighbors)
    throw new CliError(
      `${fitRows} rows is too few for --neighbors ${opts.neighbors}`,
      ExitCode.usage,
    );
  const { coords, dims } = opts.transformWith
    ? await transformUmap(table.vectors, table.n, table.dim, opts.transformWith, opts.threads)
    : {
        coords: await runUmap(table.vectors, table.n, table.dim, {
          dims: opts.dims,
          nNeighbors: opts.neighbors,
          minDist: opts.minDist,
          spread: opts.spread,
          metric: opts.metric,
          seed: opts.seed,
          threads: opts.threads,
          ...(opts.supervised && cols.labels && { labels: cols.labels }),
          ...(opts.fitSample !== undefined && { fitSample: opts.fitSample }),
          ...(opts.saveModel && { saveModel: opts.saveModel }),
        }),
        dims: opts.dims,
      };
  const axes = ["x", "y", "z"].slice(0, dims);
  const numeric: Record<string, Float32Array> = {};
  axes.forEach((a, j) => {
    numeric[a] = Float32Array.from({ length: table.n }, (_, i) => coords[i * dims + j]!);
  });
  await viz.writeTable(opts.output, {
    numeric,
    meta: table.meta,
    ...(table.metaTypes && { metaTypes: table.metaTypes }),
  });
  const written = await writePictures(coords, table.n, dims, cols, input, {
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
    dims,
    output: opts.output,
    ...(opts.fitSample !== undefined && { fitSample: Math.min(opts.fitSample, table.n) }),
    ...(opts.saveModel && { model: opts.saveModel }),
    ...(opts.transformWith && { transformWith: opts.transformWith }),
    pictures: written,
    seconds,
  };
  emit(opts, summary, () => [
    `umap${opts.transformWith ? ` (onto ${opts.transformWith})` : ""}: ${table.n} × ${table.dim} → ${dims}-D in ${seconds.toFixed(1)} s → ${[opts.output, ...written].join(", ")}`,
  ]);
}

function optionalTarget<K extends string>(
  key: K,
  path: string | undefined,
): Partial<Record<K, string>> {
  return path ? ({ [key]: path } as Record<K, string>) : {};
}
