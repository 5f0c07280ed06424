/** Types of `runBenchmark`: the grid, its options and one result row per cell. */
import type { ForwardOutput, ModelDType } from "@audiomap/core-native";
import type { FlopCount } from "./flops.js";
import type { PeakLookup } from "./peaks.js";
import type { LatencySummary } from "./stats.js";

/**
 * Clips per forward call: a fixed count, or as many clips as fit a budget of audio seconds
 * or samples (at least 1), the way `embed --batch-seconds` plans batches.
 */
export type BatchBudget = { clips: number } | { seconds: number } | { samples: number };

/** A model of the grid: a display name and an exported TorchScript file. */
export interface BenchModel {
  name: string;
  /** The float32 (or float16/bfloat16) export. */
  path: string;
  /**
   * The same weights exported with `tools/export --dtype qint8`, run by the grid's "qint8"
   * cells (compared with `path` in float32); needed only when the grid has them.
   */
  qint8Path?: string;
}

/** The benchmark grid; every combination is one cell. */
export interface BenchGrid {
  models: BenchModel[];
  /** Device requests ("cpu", "cuda", "cuda:N", "auto"). */
  devices: string[];
  dtypes: ModelDType[];
  batches: BatchBudget[];
  /** Clip lengths in seconds. */
  clipSeconds: number[];
}

/** One progress report per cell, before it runs. */
export interface BenchProgress {
  index: number;
  total: number;
  label: string;
}

/** Options of `runBenchmark`. */
export interface BenchOptions {
  /** Untimed calls per cell first (JIT profiling runs, cuDNN autotune). Default 3. */
  warmup?: number;
  /** At least this many timed calls per cell. Default 10. */
  iterations?: number;
  /** And at least this many timed seconds per cell. Default 2. */
  minSeconds?: number;
  /** At most this many timed calls per cell. Default 1000. */
  maxIterations?: number;
  /** Seed of the synthetic audio. Default 0. */
  seed?: number;
  /** Intra-op threads for the model (0 = the process setting). Default 0. */
  threads?: number;
  /**
   * Calls kept in flight per cell. Default as `embed` runs the device
   * (`defaultBatchesInFlight`: 2 on a GPU, 1 on the CPU).
   */
  inFlight?: number;
  /** Outputs requested per call, as `embed` would. Default ["pooled"]. */
  outputs?: ForwardOutput[];
  /** Peak TFLOP/s for MFU when the device is not in the table (e.g. a CPU). Default none. */
  peakTflops?: number;
  /** Called before each cell. */
  onProgress?: (progress: BenchProgress) => void;
  /** Stops between calls; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Peak memory of a cell's timed region. */
export interface BenchMemory {
  /**
   * "cuda-peak-allocated": the CUDA caching allocator's peak allocated bytes (reset before the
   * timed region); "host-peak-rss-delta": peak resident set size of the process during the
   * timed region (Linux VmHWM, reset via /proc/self/clear_refs) minus the RSS before it;
   * "unavailable" elsewhere.
   */
  kind: "cuda-peak-allocated" | "host-peak-rss-delta" | "unavailable";
  /** Peak in bytes (allocator peak, or peak RSS), null when unavailable. */
  peakBytes: number | null;
  /** Peak minus the level before the timed region, null when unavailable. */
  deltaBytes: number | null;
}

/** Results of one cell. */
export interface BenchCell {
  model: string;
  modelPath: string;
  /** Resolved device ("cpu" | "cuda:N") and its name. */
  device: string;
  deviceName: string;
  dtype: ModelDType;
  budget: BatchBudget;
  clipSeconds: number;
  /** Clips per call and samples per clip. */
  batch: number;
  samples: number;
  warmup: number;
  iterations: number;
  wallSeconds: number;
  audioSecondsPerSecond: number;
  clipsPerSecond: number;
  latencyMs: LatencySummary;
  memory: BenchMemory;
  flops: {
    /** "analytic": matmul/conv MACs × 2 from the config (docs/flops.md). */
    method: "analytic";
    perCall: number;
    perAudioSecond: number;
    frames: number;
    components: FlopCount["components"];
  };
  achievedTflops: number;
  /** Achieved / peak, or null when no peak is known. */
  mfu: number | null;
  peak: PeakLookup | null;
  /**
   * For float16/bfloat16/qint8 cells: cosine similarity of each clip's pooled embedding with the
   * float32 file (`float32Path`) run in float32 on the same device and input (min and mean over
   * the batch's clips and layers); null for float32 cells.
   */
  cosineVsFloat32: { min: number; mean: number } | null;
  /** The float32 export with the same weights as `modelPath` (differs for qint8 cells). */
  float32Path: string;
  /** The quantised CPU engine of a qint8 cell ("onednn", "x86", ...), else null. */
  quantizedEngine: string | null;
}

/** Everything `runBenchmark` measured, plus where. */
export interface BenchReport {
  date: string;
  /** `threads`: intra-op threads the models ran with; `loadAverage`: 1/5/15-min load at the end
   * (a busy machine makes every figure slower and ratios unreliable). */
  host: {
    cpu: string;
    cores: number;
    threads: number;
    loadAverage: number[];
    node: string;
    torch: string;
    addonCuda: boolean;
  };
  options: Required<
    Pick<BenchOptions, "warmup" | "iterations" | "minSeconds" | "seed" | "threads">
  >;
  cells: BenchCell[];
}
