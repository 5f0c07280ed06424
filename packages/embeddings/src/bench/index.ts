/**
 * Benchmarking (`audiomap bench`): grid runs of model forward calls with throughput, latency,
 * peak memory, FLOPs and MFU, Markdown/JSON reports, and Python baselines for comparison.
 */
export {
  BASELINE_MODES,
  type BaselineCache,
  type BaselineComparison,
  type BaselineMode,
  type BaselineOptions,
  type BaselineResult,
  type BaselineRun,
  baselineDtype,
  runPythonBaselines,
} from "./baseline.js";
export {
  type ConformerConfig,
  type FlopCount,
  type FlopOptions,
  frameCount,
  modelFlops,
} from "./flops.js";
export { type MemoryProbe, startMemory } from "./memory.js";
export {
  defaultPython,
  findRepoRoot,
  MODEL_PRESETS,
  type ModelResolveOptions,
  resolveBenchModel,
} from "./models.js";
export { DEVICE_PEAKS, type DevicePeak, lookupPeak, type PeakLookup } from "./peaks.js";
export { toMarkdown } from "./report.js";
export { budgetLabel, clipsPerBatch, runBenchmark } from "./run.js";
export { type LatencySummary, quantile, summarize } from "./stats.js";
export { mulberry32, type SyntheticOptions, syntheticBatch } from "./synthetic.js";
export type * from "./types.js";
