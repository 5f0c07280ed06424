import { type Command, InvalidArgumentError } from "commander";
import type { RegisterCommand } from "./index.js";

/** Parses a comma-separated list with `item` per element. */
function list<T>(item: (v: string) => T) {
  return (value: string): T[] => value.split(",").map((v) => item(v.trim()));
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return n;
}

function wholeAtLeast(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number ≥ ${min}, got "${v}"`);
    return n;
  };
}

const DTYPES = ["float32", "float16", "bfloat16", "qint8"] as const;
function dtype(v: string): (typeof DTYPES)[number] {
  if (!(DTYPES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`dtype must be one of ${DTYPES.join(", ")}, got "${v}"`);
  return v as (typeof DTYPES)[number];
}

/** `audiomap bench`: model throughput, latency, memory, FLOPs and MFU over a grid. */
export const registerBench: RegisterCommand = (program: Command) => {
  program
    .command("bench")
    .description(
      "benchmark model forward passes over a grid (model × device × dtype × batch × clip length) on synthetic audio",
    )
    .option(
      "--model <list>",
      "models: .pt files or presets tiny, medium, large (random weights, exported once)",
      list(String),
      ["tiny"],
    )
    .option("--device <list>", "devices: cpu, cuda, cuda:N, auto", list(String), ["auto"])
    .option(
      "--dtype <list>",
      "float32, float16, bfloat16 (half types need CUDA), qint8 (CPU; the model's int8 export, made once)",
      list(dtype),
      ["float32"],
    )
    .option("--clip-seconds <list>", "clip lengths in seconds", list(positive), [1])
    .option(
      "--batch-seconds <list>",
      "batch budgets in audio seconds per call (as embed; default 30)",
      list(positive),
    )
    .option("--batch-samples <list>", "batch budgets in samples per call", list(wholeAtLeast(1)))
    .option("--batch-size <list>", "fixed clips per call", list(wholeAtLeast(1)))
    .option(
      "--warmup <n>",
      "untimed calls per cell (JIT profiling, cuDNN autotune)",
      wholeAtLeast(0),
      3,
    )
    .option("--iterations <n>", "at least this many timed calls per cell", wholeAtLeast(1), 10)
    .option("--min-seconds <x>", "and at least this many timed seconds per cell", positive, 2)
    .option("--threads <n>", "intra-op threads (0: the default)", wholeAtLeast(0), 0)
    .option("--seed <n>", "seed of the synthetic audio", wholeAtLeast(0), 0)
    .option(
      "--peak-tflops <x>",
      "device peak TFLOP/s for MFU when the device is not in the table (e.g. a CPU)",
      positive,
    )
    .option(
      "--baseline <kind>",
      "also time the Python way and print ratios: python",
      (v: string) => {
        if (v !== "python")
          throw new InvalidArgumentError(`--baseline must be "python", got "${v}"`);
        return v;
      },
    )
    .option(
      "--baseline-modes <list>",
      "eager-b1-fp32, eager-batched, torchscript, hf-eager-fp32, hf-eager-batched (default all)",
      list(String),
    )
    .option(
      "--python <path>",
      "Python with torch for exports and baselines (default $AUDIOMAP_PYTHON or /usr/bin/python3)",
    )
    .option("--json", "print the full results as one JSON document on stdout, not the table")
    .option("-o, --output <file.json>", "also write the full results as JSON to a file")
    .option("--md <file>", "write the Markdown table to a file too")
    .option("-q, --quiet", "no progress lines on stderr")
    .addHelpText(
      "after",
      "\nExample:\n  audiomap bench --model tiny --baseline python -o bench.json",
    )
    .action(async (opts: BenchFlags) => {
      const { runBenchCommand } = await import("../bench/run-bench.js");
      await runBenchCommand(opts);
    });
};

/** Parsed flags of `audiomap bench`. */
export interface BenchFlags {
  model: string[];
  device: string[];
  dtype: (typeof DTYPES)[number][];
  clipSeconds: number[];
  batchSeconds?: number[];
  batchSamples?: number[];
  batchSize?: number[];
  warmup: number;
  iterations: number;
  minSeconds: number;
  threads: number;
  seed: number;
  peakTflops?: number;
  baseline?: "python";
  baselineModes?: string[];
  python?: string;
  json?: boolean;
  output?: string;
  md?: string;
  quiet?: boolean;
}
