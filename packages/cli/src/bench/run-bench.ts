/** The action of `audiomap bench`: flags in, `bench.runBenchmark` and baselines, files out. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { bench } from "@audiomap/embeddings";
import type { BenchFlags } from "../commands/bench.js";
import { CliError, ExitCode } from "../run.js";

/** Runs the grid the flags describe, prints the Markdown table, writes --json / --md. */
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
    models.push(await bench.resolveBenchModel(m, { python: flags.python, onLog: log }));
  const report = await bench.runBenchmark(
    { models, devices: flags.device, dtypes: flags.dtype, batches, clipSeconds: flags.clipSeconds },
    {
      warmup: flags.warmup,
      iterations: flags.iterations,
      minSeconds: flags.minSeconds,
      threads: flags.threads,
      seed: flags.seed,
      peakTflops: flags.peakTflops,
      onProgress: (p) => log(`[${p.index + 1}/${p.total}] ${p.label}`),
    },
  );
  const baselines = flags.baseline
    ? await bench.runPythonBaselines(report.cells, {
        python: flags.python,
        modes,
        warmup: flags.warmup,
        iterations: Math.min(flags.iterations, 5),
        minSeconds: flags.minSeconds,
        threads: report.host.threads,
        seed: flags.seed,
        onLog: log,
      })
    : [];
  const markdown = bench.toMarkdown(report, baselines);
  process.stdout.write(markdown);
  if (flags.md) write(flags.md, markdown);
  if (flags.json) write(flags.json, `${JSON.stringify({ ...report, baselines }, null, 2)}\n`);
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
