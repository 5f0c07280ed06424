/**
 * `audiomap demo`: generate spoken keywords → embed them with the model and classify them with
 * its head, in one forward pass → UMAP, k-means and metrics → report. Every stage calls the
 * same package APIs as the single-purpose commands (`embed --predict`, `umap`, `cluster`,
 * `report`).
 */
import { availableParallelism } from "node:os";
import { join, relative, resolve } from "node:path";
import type { DemoFlags } from "../commands/demo.js";
import { cacheDir } from "../model-path.js";
import { loadModelFromFlags } from "../options.js";
import { ProgressBar, progressEnabled } from "../progress.js";
import { generatorLabels, generatorScript } from "../python.js";
import { CliError, ExitCode } from "../run.js";
import { runCluster, runMetrics, runUmap } from "../viz/analysis.js";
import { extraColumns, pointColumns } from "../viz/columns.js";
import { ensureDemoData, speechCommandsWords } from "./data.js";
import { topOneAccuracy } from "./predict.js";
import { writeDemoReport } from "./report.js";
import { type DemoSummary, printSummary } from "./summary.js";

/** Runs the demo and prints its summary. */
export async function runDemo(flags: DemoFlags): Promise<void> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings[stage] = (now - mark) / 1000;
    mark = now;
  };
  const log = (msg: string) => {
    if (!flags.quiet) process.stderr.write(`${msg}\n`);
  };
  const outDir = resolve(flags.out ?? join(cacheDir(), "demo/report"));
  const dataDir = resolve(flags.dataDir ?? join(cacheDir(), "demo/data"));
  const allWords = await speechCommandsWords(generatorLabels);
  const words = flags.words ? parseWords(flags.words, allWords) : allWords;

  // 1. Data.
  log(
    `[1/4] keyword data: ${words.length} words × ${flags.perWord} clips, held-out espeak-ng voices → ${dataDir}`,
  );
  const bar = new ProgressBar(progressEnabled(flags.quiet));
  const data = await ensureDemoData({
    dir: dataDir,
    words,
    perWord: flags.perWord,
    generator: generatorScript,
    jobs: Math.max(1, availableParallelism()),
    onProgress: (done, total) => bar.update({ done, failed: 0, audioSec: done, total }),
  });
  bar.done();
  log(
    data.reused
      ? `      reusing ${data.clips} cached clips`
      : `      generated ${data.clips} clips in ${data.seconds.toFixed(1)} s`,
  );
  lap("data");

  // 2. Model, embeddings and the head's predictions, in one pass (the `audiomap embed --predict` path).
  const { model, path: modelPath } = await loadModelFromFlags(flags);
  const info = model.info;
  lap("model");
  const emb = await import("@audiomap/embeddings");
  const embeddings = join(outDir, "embeddings.parquet");
  let summaryEmbed: Awaited<ReturnType<typeof emb.runEmbedding>>;
  try {
    try {
      emb.parseLayerSpec(flags.layer, model.info.numHiddenStates);
    } catch (err) {
      throw new CliError((err as Error).message, ExitCode.usage);
    }
    log(
      `[2/4] embedding with ${relativeTo(modelPath)} (layer ${flags.layer}, mean pooling)` +
        (info.hasHead
          ? " and classifying with its head"
          : "; the model has no head: no predictions"),
    );
    const embedBar = new ProgressBar(progressEnabled(flags.quiet));
    summaryEmbed = await emb.runEmbedding(
      model,
      await emb.openDataset(data.dir, { split: "test" }),
      {
        output: embeddings,
        format: "parquet",
        decode: emb.decodeAudio,
        layer: flags.layer,
        pool: "mean",
        normalize: Boolean(flags.normalize),
        predict: info.hasHead,
        sourceSize: data.clips,
        manifest: { model: modelPath, layer: flags.layer, source: data.dir, demo: true },
        onProgress: (p) => embedBar.update(p),
      },
    );
    embedBar.done();
    lap("embed");
  } finally {
    await model.dispose();
  }
  if (summaryEmbed.ok + summaryEmbed.failed !== data.clips)
    throw new CliError(
      `embedding accounted for ${summaryEmbed.ok + summaryEmbed.failed} of ${data.clips} clips`,
    );
  if (summaryEmbed.ok < 3) throw new CliError(`only ${summaryEmbed.ok} clips could be embedded`);

  // 3. Layout, clusters, metrics.
  const viz = await import("@audiomap/viz");
  const table = await viz.readTable(embeddings);
  viz.assertFinite(table);
  const cols = await pointColumns(table, "label");
  const labels = cols.labels ?? [];
  const predicted = cols.predictions;
  const k = new Set(labels).size;
  log(
    `[3/4] UMAP of ${table.n} × ${table.dim}, ${flags.autoK ? `k-means with k by silhouette over ${flags.autoK.join(":")}` : `k-means with k = ${k}`}`,
  );
  const nNeighbors = Math.min(15, table.n - 1);
  const layout = await runUmap(table.vectors, table.n, table.dim, {
    dims: 2,
    nNeighbors,
    minDist: 0.1,
    spread: 1,
    metric: "euclidean",
    seed: flags.seed,
  });
  lap("umap");
  const { clusters, k: nClusters } = await runCluster(table.vectors, table.n, table.dim, {
    method: "kmeans",
    seed: flags.seed,
    ...(flags.autoK ? { autoK: flags.autoK } : { k: Math.max(2, Math.min(k, table.n - 1)) }),
  });
  lap("cluster");
  const metrics = await runMetrics(table.vectors, table.n, table.dim, clusters, labels, {
    coords: layout,
    dims: 2,
  });
  if (predicted) metrics.accuracy = topOneAccuracy(labels, predicted);
  // Each clip's nearest clips in embedding space, listed in map.html when a point is clicked.
  const neighbors = await viz.knn(table.vectors, [table.n, table.dim], {
    k: Math.min(10, table.n - 1),
  });
  lap("metrics");

  // 4. Report.
  log(`[4/4] report → ${outDir}`);
  const files = await writeDemoReport(outDir, {
    flags,
    words,
    data,
    modelPath: relativeTo(modelPath),
    modelSize: `${info.numHiddenStates - 1} layers × ${info.hiddenSize}`,
    embeddings,
    failed: summaryEmbed.failed,
    dim: table.dim,
    cols,
    labels,
    layout,
    nNeighbors,
    clusters,
    nClusters,
    k,
    metrics,
    ...(predicted && { predictions: predicted }),
    columns: extraColumns(table, cols),
    neighbors: {
      k: Math.min(10, table.n - 1),
      indices: neighbors.indices,
      distances: neighbors.distances,
    },
  });
  lap("report");
  timings.total = (performance.now() - t0) / 1000;

  const summary: DemoSummary = {
    report: files.html,
    markdown: files.markdown,
    interactive: files.interactive ?? null,
    metricsFile: files.metrics,
    pictures: files.pictures,
    embeddings,
    layout: files.layout,
    clusters: files.clusters,
    errorsFile: summaryEmbed.errorsFile,
    data: { dir: data.dir, clips: data.clips, words: words.length, reused: data.reused },
    model: modelPath,
    rows: summaryEmbed.ok,
    failed: summaryEmbed.failed,
    nClusters,
    metrics,
    timings,
  };
  printSummary(summary, Boolean(flags.json));
  if (summaryEmbed.failed > 0) process.exitCode = ExitCode.partial;
}

/** "yes,no,up" → those words, each checked against the known labels. */
function parseWords(spec: string, known: string[]): string[] {
  const words = [...new Set(spec.split(",").map((w) => w.trim()))].filter(Boolean);
  const unknown = words.filter((w) => !known.includes(w));
  if (unknown.length > 0)
    throw new CliError(
      `unknown words: ${unknown.join(", ")} (known: ${known.join(", ")})`,
      ExitCode.usage,
    );
  if (words.length < 2) throw new CliError("--words needs at least two words", ExitCode.usage);
  return known.filter((w) => words.includes(w));
}

function relativeTo(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}
