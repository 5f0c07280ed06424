/** The action of `audiomap bench`: flags in, `bench.runBenchmark` and baselines, files out. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { bench } from "@audiomap/embeddings";
import type { BenchFlags } from "../commands/bench.js";
import { CliError, ExitCode } from "../run.js";

/** Runs the grid the flags describe, prints the Markdown table (or
 * the JSON with --json), writes -o / --md. */
export async function runBenchCommand(flags: BenchFlags): Promise<void> {
  const log = (line: string) => {
    if (!flags.quiet) process.stderr.write(`audiomap bench: ${line}\n`);
  };
  const batches: bench.BatchBudget[] = [
    ...(flags.batchSeconds ?? []).map((seconds) => ({ seconds })),
    ...(flags.batchSamples ?? []).map((samples) => ({ samples })),
    ...(flags.batchSize ?? []).map((clips) => ({ clips })),
  ];
  if (batches.length === 0) batches.push({ seconds: 30 });
  const modes = flags.baselineModes as bench.BaselineMode[] | undefined;
  const unknown = modes?.filter((m) => !bench.BASELINE_MODES.includes(m));
  if (unknown?.length) {
    throw new CliError(
      `unknown --baseline-modes ${unknown.join(", ")}; known: ${bench.BASELINE_MODES.join(", ")}`,
      ExitCode.usage,
    );
  }

  const models: bench.BenchModel[] = [];
  for (const m of flags.model)
    models.push(
      await bench.resolveBenchModel(m, {
        python: flags.python,
        onLog: log,
        qint8: flags.dtype.includes("qint8"),
      }),
    );
  // Each cell runs on its own, followed at once by its Python baselines (with the cell's model
  // disposed, so a GPU has its memory back): on a shared machine both sides then see the same
  // load, which matters more for a ratio than a few extra model loads.
  const options: bench.BenchOptions = {
    warmup: flags.warmup,
    iterations: flags.iterations,
    minSeconds: flags.minSeconds,
    threads: flags.threads,
    seed: flags.seed,
    peakTflops: flags.peakTflops,
  };
  const grids = expandGrid(models, flags, batches);
  const cache: bench.BaselineCache = new Map();
  const baselines: bench.BaselineComparison[] = [];
  let report: bench.BenchReport | undefined;
  for (const [i, grid] of grids.entries()) {
    const part = await bench.runBenchmark(grid, {
      ...options,
      onProgress: (p) => log(`[${i + 1}/${grids.length}] ${p.label}`),
    });
    const offset = report ? report.cells.length : 0;
    report = report
      ? { ...part, date: report.date, cells: [...report.cells, ...part.cells] }
      : part;
    if (flags.baseline) {
      const compared = await bench.runPythonBaselines(part.cells, {
        python: flags.python,
        modes,
        warmup: flags.warmup,
        iterations: Math.min(flags.iterations, 5),
        minSeconds: flags.minSeconds,
        threads: part.host.threads,
        seed: flags.seed,
        cache,
        onLog: log,
      });
      baselines.push(...compared.map((c) => ({ ...c, cell: c.cell + offset })));
    }
  }
  if (!report) throw new CliError("the grid is empty", ExitCode.usage);
  const markdown = bench.toMarkdown(report, baselines);
  const json = `${JSON.stringify({ ...report, baselines }, null, 2)}\n`;
  if (flags.json) process.stdout.write(json);
  else process.stdout.write(markdown);
  if (flags.md) write(flags.md, markdown);
  if (flags.output) write(flags.output, json);
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** One single-cell grid per combination, in runBenchmark's order. */
function expandGrid(
  models: bench.BenchModel[],
  flags: BenchFlags,
  batches: bench.BatchBudget[],
): bench.BenchGrid[] {
  const grids: bench.BenchGrid[] = [];
  for (const model of models)
    for (const device of flags.device)
      for (const dtype of flags.dtype)
        for (const clip of flags.clipSeconds)
          for (const budget of batches)
            grids.push({
              models: [model],
              devices: [device],
              dtypes: [dtype],
              batches: [budget],
              clipSeconds: [clip],
            });
  return grids;
}
