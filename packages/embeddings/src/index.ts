/**
 * @audiomap/embeddings: audio in, vectors out. Decoding and datasets (audio/, datasets/), the
 * batching pipeline (pipeline/), output files (outputs/) and keyword spotting (kws/).
 */
export * from "./audio/index.js";
/** Benchmarking: `bench.runBenchmark(grid, options)` and friends (see src/bench). */
export * as bench from "./bench/index.js";
export * from "./datasets/index.js";
export * from "./features/index.js";
export * from "./kws/index.js";
export * from "./outputs/index.js";
export * from "./pipeline/index.js";
