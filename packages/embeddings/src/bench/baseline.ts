/**
 * `--baseline python`: runs tools/bench/baseline.py for the cells of a benchmark and joins
 * its figures to them as ratios (audiomap throughput ÷ baseline throughput).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { defaultPython, findRepoRoot } from "./models.js";
import type { BenchCell } from "./types.js";

const run = promisify(execFile);

/** Baseline modes of tools/bench/baseline.py. */
export const BASELINE_MODES = [
  "eager-b1-fp32",
  "eager-batched",
  "torchscript",
  "hf-eager-fp32",
  "hf-eager-batched",
] as const;
export type BaselineMode = (typeof BASELINE_MODES)[number];

/** One baseline measurement as baseline.py prints it (snake_case kept). */
export interface BaselineResult {
  mode: BaselineMode;
  batch: number;
  dtype: string;
  dtype_requested?: string;
  note: string | null;
  iterations: number;
  audio_seconds_per_s: number;
  clips_per_s: number;
  latency_ms: { p50: number; p95: number; p99: number };
  memory: { kind: string; peak_bytes: number | null; delta_bytes: number | null };
}

/** baseline.py's whole output. */
export interface BaselineRun {
  torch_version: string;
  transformers_version?: string;
  device: string;
  device_name: string;
  results: BaselineResult[];
  skipped: { mode: string; reason: string }[];
}

/** A baseline joined to an audiomap cell. */
export interface BaselineComparison {
  /** Index of the cell in the report. */
  cell: number;
  mode: string;
  /** Present when the mode ran. */
  result?: BaselineResult;
  /** audiomap audio-s/s ÷ baseline audio-s/s; null when the mode was skipped. */
  ratio: number | null;
  /** Why the mode did not run. */
  skipped?: string;
}

/** Options of {@link runPythonBaselines}. */
export interface BaselineOptions {
  /** Python with torch (and optionally transformers). Default as for exports (/usr/bin/python3). */
  python?: string;
  /** Modes to run. Default all. */
  modes?: readonly BaselineMode[];
  /** Untimed calls per mode. Default 3. */
  warmup?: number;
  /** At least this many timed calls and seconds per mode. Defaults 5 and 2. */
  iterations?: number;
  minSeconds?: number;
  /** torch intra-op threads (0 = torch's default). Default 0. */
  threads?: number;
  seed?: number;
  /** Called before each Python run. */
  onLog?: (line: string) => void;
  /**
   * Results already measured, shared across calls so that runs interleaved with audiomap
   * cells do not repeat a mode. Default: a new cache per call.
   */
  cache?: BaselineCache;
}

/** Baseline results by (model, device, clip, batch, dtype, mode) key. */
export type BaselineCache = Map<string, { result?: BaselineResult; skipped?: string }>;

/**
 * The dtype of the batched baselines for a cell: the "batched fp16" on CUDA (the
 * cell's dtype when that is fp16/bf16), the cell's dtype on the CPU, where fp16 matmuls do not
 * run in torch 1.13 (baseline.py falls back and says so).
 */
export function baselineDtype(cell: BenchCell): string {
  if (cell.device.startsWith("cuda")) return cell.dtype === "float32" ? "float16" : cell.dtype;
  return cell.dtype;
}

/**
 * Runs baseline.py once per distinct (model, device, clip length, batch, dtype) and returns a
 * comparison per cell and mode. Modes that do not depend on the batch or dtype (batch-1 fp32)
 * run once per model, device and clip length.
 */
export async function runPythonBaselines(
  cells: BenchCell[],
  options: BaselineOptions = {},
): Promise<BaselineComparison[]> {
  const root = findRepoRoot();
  if (!root)
    throw new Error("--baseline python needs the audiomap repository (tools/bench/baseline.py)");
  const script = join(root, "tools", "bench", "baseline.py");
  const modes = options.modes ?? BASELINE_MODES;
  const cache: BaselineCache = options.cache ?? new Map();
  const out: BaselineComparison[] = [];
  for (const [index, cell] of cells.entries()) {
    const dtype = baselineDtype(cell);
    // A qint8 cell's baselines start from the float32 file with the same weights (Python
    // quantises its own eager models), so its float32 modes are shared with the float32 cell.
    const source = cell.float32Path;
    const keyOf = (mode: string) =>
      mode === "eager-b1-fp32"
        ? [source, cell.device, cell.clipSeconds, mode].join("|")
        : mode === "hf-eager-fp32"
          ? [source, cell.device, cell.clipSeconds, cell.batch, mode].join("|")
          : [source, cell.device, cell.clipSeconds, cell.batch, dtype, mode].join("|");
    const missing = modes.filter((m) => !cache.has(keyOf(m)));
    if (missing.length > 0) {
      options.onLog?.(
        `python baseline (${missing.join(", ")}) for ${cell.model} ${cell.device} clip ${cell.clipSeconds} s batch ${cell.batch}`,
      );
      const args = [script, "--torchscript", source, "--device", cell.device];
      args.push(
        "--clip-seconds",
        String(cell.clipSeconds),
        "--batch",
        String(cell.batch),
        "--dtype",
        dtype,
      );
      args.push("--modes", missing.join(","), "--warmup", String(options.warmup ?? 3));
      args.push(
        "--iters",
        String(options.iterations ?? 5),
        "--min-time",
        String(options.minSeconds ?? 2),
      );
      args.push("--threads", String(options.threads ?? 0), "--seed", String(options.seed ?? 0));
      const { stdout } = await run(options.python ?? defaultPython(), args, {
        maxBuffer: 16 << 20,
      });
      const report = JSON.parse(stdout) as BaselineRun;
      for (const r of report.results) cache.set(keyOf(r.mode), { result: r });
      for (const s of report.skipped) cache.set(keyOf(s.mode), { skipped: s.reason });
    }
    for (const mode of modes) {
      const hit = cache.get(keyOf(mode)) ?? { skipped: "no output for this mode" };
      out.push({
        cell: index,
        mode,
        result: hit.result,
        skipped: hit.skipped,
        ratio: hit.result ? cell.audioSecondsPerSecond / hit.result.audio_seconds_per_s : null,
      });
    }
  }
  return out;
}
