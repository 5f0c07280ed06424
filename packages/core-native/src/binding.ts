/**
 * The whole native surface of `audiomap.node`, declared in one place, and the only module
 * that loads the addon. Everything else in the repository imports from here.
 *
 * Sections: build info, model (inference), audio (decode/resample), compute (kNN, k-means).
 * Tensors cross the boundary as `{ dtype, shape, data }` (see `NativeTensor`).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------

/** Element types that cross the boundary, with the TypedArray each maps to. */
export interface DTypeArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
}
export type NativeDType = keyof DTypeArrays;

/** A dense row-major tensor as it crosses the native boundary. */
export interface NativeTensor<D extends NativeDType = NativeDType> {
  dtype: D;
  shape: number[];
  data: DTypeArrays[D];
}

/** What the addon was compiled with. */
export interface NativeBuildInfo {
  torchVersion: string;
  cuda: boolean;
  parallelInfo: string;
  /** Quantised CPU engines this LibTorch supports ("onednn", "qnnpack", "x86", ...). */
  quantizedEngines: string[];
  /** The one qint8 models run on: x86 or fbgemm, else onednn, else qnnpack; "none" without. */
  quantizedEngine: string;
  /**
   * Distance kernels of the HNSW kNN index: the CPU's best of "avx512", "avx2" and "baseline",
   * capped by AUDIOMAP_SIMD.
   */
  vectorKernels: "avx512" | "avx2" | "baseline";
}

// ---------------------------------------------------------------------------------------------
// Device statistics (devstats): used by the benchmark
// ---------------------------------------------------------------------------------------------

/** CUDA caching-allocator memory of one device, in bytes. */
export interface CudaMemoryStats {
  allocated: number;
  reserved: number;
  /** Highest `allocated` since the last `resetCudaPeak` (or process start). */
  peakAllocated: number;
  peakReserved: number;
}

/** Device statistics; on a CPU-only build `cuda` is false and every call reports unsupported. */
export interface NativeDevStats {
  /** Whether the addon was compiled with CUDA. */
  cuda: boolean;
  /** Memory of CUDA device `deviceIndex` (default 0), or null without CUDA. */
  cudaMemory(deviceIndex?: number): CudaMemoryStats | null;
  /** Resets the peak counters; false without CUDA. */
  resetCudaPeak(deviceIndex?: number): boolean;
  /** Waits for all queued work on the device; false without CUDA. */
  cudaSynchronize(deviceIndex?: number): boolean;
}

// ---------------------------------------------------------------------------------------------
// CPU memory (the caching allocator behind LibTorch's CPU tensors)
// ---------------------------------------------------------------------------------------------

/** Counters of the caching CPU allocator's large blocks (>= 256 KiB), in bytes. */
export interface CpuMemoryStats {
  /** In live tensors. */
  allocated: number;
  /** Mapped, free and kept for reuse. */
  cached: number;
  /** Highest `allocated` since the last `resetCpuPeak`. */
  peakAllocated: number;
  /** Highest `allocated + cached` since the last `resetCpuPeak`. */
  peakMapped: number;
  /** Large requests served from the cache. */
  hits: number;
  /** Large requests that mapped new memory. */
  misses: number;
  /** Bytes the cache may hold now (AUDIOMAP_CPU_CACHE_MB, or the high-water mark). */
  cacheLimit: number;
}

/** The caching CPU allocator; every call reports "unsupported" under AUDIOMAP_CPU_ALLOCATOR=system. */
export interface NativeMemory {
  /** The counters, or null when LibTorch's own allocator is in use. */
  cpuMemory(): CpuMemoryStats | null;
  /** Resets the peak counters; false under the system allocator. */
  resetCpuPeak(): boolean;
  /** Unmaps every cached block; false under the system allocator. */
  emptyCpuCache(): boolean;
}

// ---------------------------------------------------------------------------------------------
// Compute (kNN, k-means)
// ---------------------------------------------------------------------------------------------

/** Options of `knn`. Matrices are row-major Float32Array [rows, cols]. */
export interface NativeKnnOptions {
  /** Neighbours per point. Default 15. */
  k?: number;
  /** Default "euclidean". Cosine distance is 1 - cosine similarity. */
  metric?: "euclidean" | "cosine";
  /** Leave each point out of its own list (only without `queries`). Default true. */
  excludeSelf?: boolean;
  /**
   * "exact" (blocked matrix products) or "hnsw" (an hnswlib HNSW graph over the data, built on
   * `threads` threads; CPU only). Default "exact".
   */
  method?: "exact" | "hnsw";
  /** hnsw: links per node and layer (hnswlib's M), in [2, 256]. Default 24. */
  hnswM?: number;
  /** hnsw: candidate list while building, in [1, 1e6]. Default 200. */
  efConstruction?: number;
  /** hnsw: candidate list per query (at least k + 1 is used), in [1, 1e6]. Default 200. */
  efSearch?: number;
  /** hnsw: seed of the node levels; with threads 1 the result is a function of data and seed. Default 0. */
  seed?: number;
  /** Query rows (Float32Array [queryRows, cols]); default: the data themselves. */
  queries?: Float32Array;
  queryRows?: number;
  /** "cpu" | "cuda" | "cuda:N". Default "cpu". */
  device?: string;
  /** Intra-op threads for this call; 0 = all hardware threads. Default 0. */
  threads?: number;
  /** Memory bound of one distance block, in bytes. Default 256 MiB. */
  blockBytes?: number;
}

/** Neighbour lists, nearest first: row i holds entries [i*k, (i+1)*k). */
export interface NativeKnnResult {
  indices: Int32Array;
  distances: Float32Array;
  k: number;
}

/** Options of `kmeans`. */
export interface NativeKmeansOptions {
  /** Clusters. Default 8. */
  k?: number;
  /** Restarts; the lowest inertia wins. Default 10. */
  nInit?: number;
  /** Default 300. */
  maxIter?: number;
  /** Converged when the squared centroid shift <= tol * mean feature variance. Default 1e-4. */
  tol?: number;
  /** Seed of the k-means++ draws (integer). Default 0. */
  seed?: number;
  device?: string;
  threads?: number;
  blockBytes?: number;
}

export interface NativeKmeansResult {
  labels: Int32Array;
  /** Float32Array [k, cols]. */
  centroids: Float32Array;
  inertia: number;
  iterations: number;
}

/** Options of `miniBatchKmeans`; the defaults are scikit-learn 1.2's MiniBatchKMeans. */
export interface NativeMiniBatchKmeansOptions {
  /** Clusters. Default 8. */
  k?: number;
  /** Rows per step. Default 1024. */
  batchSize?: number;
  /** Passes over the data at most. Default 100. */
  maxIter?: number;
  /** Steps without improvement of the smoothed batch inertia before stopping. Default 10. */
  maxNoImprovement?: number;
  /** k-means++ seedings on random subsets. Default 3. */
  nInit?: number;
  /** Rows per seeding subset; 0 = 3 × batchSize. Default 0. */
  initSize?: number;
  /** Starved-centre reassignment threshold. Default 0.01. */
  reassignmentRatio?: number;
  /** Relative tolerance on a step's squared centre change; 0 = off. Default 0. */
  tol?: number;
  /** Seed (integer). Default 0. */
  seed?: number;
  threads?: number;
}

export interface NativeMiniBatchKmeansResult extends NativeKmeansResult {
  /** Mini-batch steps taken. */
  steps: number;
}

/** Compute kernels; each runs off the main thread and resolves a Promise. */
export interface NativeCompute {
  knn(
    data: Float32Array,
    rows: number,
    cols: number,
    options?: NativeKnnOptions,
  ): Promise<NativeKnnResult>;
  kmeans(
    data: Float32Array,
    rows: number,
    cols: number,
    options?: NativeKmeansOptions,
  ): Promise<NativeKmeansResult>;
  miniBatchKmeans(
    data: Float32Array,
    rows: number,
    cols: number,
    options?: NativeMiniBatchKmeansOptions,
  ): Promise<NativeMiniBatchKmeansResult>;
  /** Full distance matrix Float32Array [rows, rows] (diagonal exactly 0). */
  pairwiseDistances(
    data: Float32Array,
    rows: number,
    cols: number,
    options?: NativeDistanceOptions,
  ): Promise<Float32Array>;
  /** Float64Array [rows, k]: sum of float64 distances from each row to each label 0..k-1. */
  clusterDistanceSums(
    data: Float32Array,
    rows: number,
    cols: number,
    labels: Int32Array,
    k: number,
    options?: NativeDistanceOptions,
  ): Promise<Float64Array>;
  /**
   * Int32Array [m, t]: for row queryRows[r] and candidate neighbours[r*t + j], 1 + the number of
   * other points strictly closer (float64), i.e. the candidate's rank in the original space.
   */
  neighborRanks(
    data: Float32Array,
    rows: number,
    cols: number,
    queryRows: Int32Array,
    neighbours: Int32Array,
    t: number,
    options?: NativeDistanceOptions,
  ): Promise<Int32Array>;
  /**
   * UMAP layout epochs [from, to) in place: umap-js's SGD update, edge schedule and negative
   * sampling on float32 coordinates. A fit with `threads: 1` (the default) is single-threaded
   * and deterministic for a seed (each epoch's negative samples come from a generator seeded by
   * (seed, epoch)); other thread counts run Hogwild (see `NativeLayoutOptions.threads`).
   * `tailEmbedding` null = a fit (both ends of each edge move in `headEmbedding`); otherwise a
   * transform, deterministic for any thread count. The arrays are updated in place and must not
   * be touched until the promise settles.
   */
  optimizeLayout(
    headEmbedding: Float32Array,
    tailEmbedding: Float32Array | null,
    head: Int32Array,
    tail: Int32Array,
    epochsPerSample: Float64Array,
    nextSample: Float64Array,
    nextNegative: Float64Array,
    options: NativeLayoutOptions,
  ): Promise<void>;
}

/** Options of `optimizeLayout`. */
export interface NativeLayoutOptions {
  dim: number;
  a: number;
  b: number;
  nEpochs: number;
  /** First epoch to run. Default 0. */
  from?: number;
  /** Epoch to stop before. Default nEpochs. */
  to?: number;
  /** Rows of the tail embedding negative samples are drawn from. Default: all. */
  nVertices?: number;
  /** Integer seed of the negative sampling. Default 0. */
  seed?: number;
  learningRate?: number;
  repulsionStrength?: number;
  negativeSampleRate?: number;
  /**
   * Threads of the SGD; 0 = every hardware thread. Default 1: a fit on one thread, bit for bit
   * reproducible for a seed. Above 1 a fit's threads update shared coordinates without locks
   * (Hogwild, as umap-learn's parallel SGD does): faster, the same quality, but the layout
   * varies from run to run. A transform (tailEmbedding set) moves only its own rows, split by
   * row across threads, and gives the same result for any count.
   */
  threads?: number;
}

/** Options of the dense distance kernels. */
export interface NativeDistanceOptions {
  /** Default "euclidean". */
  metric?: "euclidean" | "cosine";
  device?: string;
  threads?: number;
  blockBytes?: number;
}

// ---------------------------------------------------------------------------------------------
// Audio (audio): libsndfile decoding, down-mix to mono, libsoxr resampling
// ---------------------------------------------------------------------------------------------

/** Stable codes on errors from the audio module (`error.code`). */
export type AudioErrorCode =
  | "ERR_AUDIO_NOT_FOUND"
  | "ERR_AUDIO_UNSUPPORTED"
  | "ERR_AUDIO_DECODE"
  | "ERR_AUDIO_EMPTY"
  | "ERR_AUDIO_NONFINITE"
  | "ERR_AUDIO_RESAMPLE"
  | "ERR_AUDIO_SAMPLE_RATE"
  | "ERR_AUDIO_TOO_LONG"
  | "ERR_AUDIO_TRUNCATED";

/** Audio source: a file path, or the encoded bytes of a file (copied by the addon). */
export type NativeAudioSource = string | Uint8Array;

/** Facts about an opened input, as libsndfile reports them. */
export interface NativeAudioInfo {
  /** Rate of the samples handed out (the target rate, or the file's rate when none). */
  sampleRate: number;
  /** The file's own sampling rate. */
  originalSampleRate: number;
  /** Channels in the file (output is always mono: the average of the channels). */
  channels: number;
  /** Frames per channel in the file, or -1 when the container does not say. */
  originalFrames: number;
  /**
   * Frames per channel the header states exactly, or -1 when it states none (streamed WAV or
   * FLAC, MP3 without a Xing/VBRI header). More than `originalFrames` for a truncated WAV/AIFF.
   */
  declaredFrames: number;
  /** libsndfile's container name, e.g. "WAV (Microsoft)", "FLAC", "OGG (OGG Container format)". */
  container: string;
  /** libsndfile's encoding name, e.g. "Signed 16 bit PCM", "Vorbis", "Opus". */
  encoding: string;
}

/** A whole decoded input. */
export interface NativeDecodedAudio extends NativeAudioInfo {
  /** Mono samples at `sampleRate`. */
  samples: Float32Array;
  /** `samples.length`. */
  frames: number;
  /** The input ended before `declaredFrames` and `allowTruncated` kept what was present. */
  truncated: boolean;
}

/** Per-decode limits (src/native/audio/decode_limits.h). */
export interface NativeDecodeLimits {
  /** Longest accepted input in seconds (ERR_AUDIO_TOO_LONG); Infinity: none. Default 14400 (4 h). */
  maxSeconds?: number;
  /** Keep the frames of a truncated input instead of ERR_AUDIO_TRUNCATED. Default false. */
  allowTruncated?: boolean;
}

/** The decoder's fixed bounds, as compiled. */
export interface NativeAudioLimits {
  /** Lowest accepted sample rate of an input or target, Hz (1000). */
  readonly minSampleRate: number;
  /** Highest accepted sample rate, Hz (768000). */
  readonly maxSampleRate: number;
  /** `maxSeconds` when none is given (14400: 4 hours). */
  readonly defaultMaxSeconds: number;
  /** Most samples one `decodeAudio` returns (2^31 - 1). */
  readonly maxDecodedSamples: number;
}

/**
 * Streams one input as mono Float32Array chunks. One open/read at a time; `close()` is
 * idempotent (a read in flight completes and then the handle is released).
 */
export interface NativeAudioReader {
  /** Opens `source`; `targetRate` 0 keeps the file's rate; `name` labels error messages. */
  open(
    source: NativeAudioSource,
    targetRate?: number,
    name?: string,
    limits?: NativeDecodeLimits,
  ): Promise<NativeAudioInfo>;
  /** Up to `maxFrames` output frames, or null at the end. */
  read(maxFrames: number): Promise<Float32Array | null>;
  close(): void;
  readonly closed: boolean;
}

/** The audio module. All decoding runs on libuv's thread pool. */
export interface NativeAudio {
  /** Decodes a whole input to mono at `targetRate` (0/undefined: the file's own rate). */
  decodeAudio(
    source: NativeAudioSource,
    targetRate?: number,
    name?: string,
    limits?: NativeDecodeLimits,
  ): Promise<NativeDecodedAudio>;
  AudioReader: new () => NativeAudioReader;
  audioLimits: NativeAudioLimits;
}

// ---------------------------------------------------------------------------------------------
// Model (model, devices): TorchScript inference, devices and threads
// ---------------------------------------------------------------------------------------------

/** Options of `Model.load`; the device must already be resolved (see src/devices.ts). */
export interface NativeModelLoadOptions {
  /** "cpu" | "cuda:N". Default "cpu". */
  device?: string;
  /**
   * Weights and compute precision. Default "float32". "qint8" requires a quantised file
   * (which also loads with "float32"; a quantised file refuses float16/bfloat16 and CUDA).
   */
  dtype?: "float32" | "float16" | "bfloat16" | "qint8";
  /** Intra-op threads of this model's forward calls; 0 = the process setting. Default 0. */
  threads?: number;
}

/** A batch of clips, row-major [batch, length], each row zero-padded after `lengths[i]`. */
export interface NativeForwardInput {
  audio: Float32Array;
  batch: number;
  length: number;
  /** Valid samples per clip, each in [1, length]. Default: all `length`. */
  lengths?: ArrayLike<number> | BigInt64Array;
}

/** What `forward` computes and copies back. */
export interface NativeForwardOptions {
  /** Hidden-state indices (0 = encoder input, -1 = final output), at least one. */
  layers: number[];
  /** Pool each requested layer over valid frames. Default true. */
  pooled?: boolean;
  /** Return the requested hidden states [layers, B, F, H]. Default false. */
  hidden?: boolean;
  /** Return the classification logits [B, C] when the model has a head. Default false. */
  logits?: boolean;
  /** Pooling: mean, meanstd (mean then population std, 2H) or max. Default "mean". */
  pool?: "mean" | "meanstd" | "max";
  /**
   * Start gate: element 0 is 0 while the call waits on the model's thread; the thread swaps it
   * to 1 when the call begins, and a caller that swaps it to 2 first makes the call reject with
   * ERR_FORWARD_ABORTED without running. Must view a SharedArrayBuffer.
   */
  gate?: Int32Array;
}

/** Outputs of one forward call; every float tensor is float32 whatever the model dtype. */
export interface NativeForwardResult {
  /** Valid frames per clip. */
  frameLengths: Int32Array;
  /** [layers, B, H] (2H for meanstd). */
  pooled?: NativeTensor<"float32">;
  /** [layers, B, F, H]. */
  hidden?: NativeTensor<"float32">;
  /** [B, C]. */
  logits?: NativeTensor<"float32">;
  /** The call on the model's thread (see ForwardTiming in model.ts). */
  timing: { runMs: number; idleBeforeMs: number | null };
}

/** A loaded TorchScript module. Errors carry a stable `code` (see src/errors.ts). */
export interface NativeModel {
  forward(input: NativeForwardInput, options: NativeForwardOptions): Promise<NativeForwardResult>;
  /** Frees the module (idempotent); a call in flight finishes first. */
  dispose(): void;
  /** The audiomap.json stored in the file, verbatim. */
  readonly metadata: string;
  /** "cpu" | "cuda:N". */
  readonly device: string;
  /** "qint8" for a dynamically quantised file, whatever dtype it was loaded with. */
  readonly dtype: "float32" | "float16" | "bfloat16" | "qint8";
  /** The quantised engine a qint8 model runs on ("onednn", "x86", ...), else null. */
  readonly quantizedEngine: string | null;
  readonly threads: number;
  /** Bytes of parameters and buffers. */
  readonly parameterBytes: number;
  readonly disposed: boolean;
}

/** One device the addon can run on. */
export interface NativeDeviceInfo {
  /** "cpu" | "cuda:N". */
  device: string;
  type: "cpu" | "cuda";
  name: string;
  /** CUDA only. */
  index?: number;
  /** CUDA only: total device memory in bytes. */
  totalMemory?: number;
  /** CUDA only: "major.minor". */
  computeCapability?: string;
}

/** Backends compiled in and devices visible at run time. */
export interface NativeSupportedDevices {
  compiled: ("cpu" | "cuda")[];
  devices: NativeDeviceInfo[];
  /** Set when a CUDA build could not query its devices. */
  cudaError?: string;
}

export interface NativeModelRuntime {
  Model: {
    load(path: string, options?: NativeModelLoadOptions): Promise<NativeModel>;
  };
  supportedDevices(): NativeSupportedDevices;
  /** Process-wide intra-op threads (inter-op threads are set once, on the first call). */
  setThreads(threads: number): void;
  /** The calling thread's intra-op thread count. */
  getThreads(): number;
}

// ---------------------------------------------------------------------------------------------
// The addon
// ---------------------------------------------------------------------------------------------

export interface NativeAddon extends NativeCompute, NativeAudio, NativeModelRuntime {
  buildInfo(): NativeBuildInfo;
  devstats: NativeDevStats;
  memory: NativeMemory;
}

const here = dirname(fileURLToPath(import.meta.url));
// AUDIOMAP_NATIVE_PATH, when set, is the only candidate: an addon asked for by name is never
// silently replaced by the package's own build.
const candidates = process.env.AUDIOMAP_NATIVE_PATH
  ? [process.env.AUDIOMAP_NATIVE_PATH]
  : [
      join(here, "..", "build", "Release", "audiomap.node"),
      join(here, "..", "build", "Debug", "audiomap.node"),
    ];

let addon: NativeAddon | undefined;

/**
 * Loads `audiomap.node` on first use. Loading LibTorch takes about half a second and 200 MB,
 * so commands that do not need it never call this.
 */
export function native(): NativeAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      errors.push(`${path}: not built`);
      continue;
    }
    try {
      addon = require(path) as NativeAddon;
      return addon;
    } catch (err) {
      errors.push(`${path}: ${(err as Error).message}`);
    }
  }
  const error = new Error(
    [
      "the native addon could not be loaded.",
      ...errors.map((e) => `  - ${e}`),
      "It is built when @audiomap/core-native is installed; build it again, with the reason if it",
      "fails, by running `npm rebuild @audiomap/core-native` in the project that installed it",
      "(`npm run setup` in an audiomap clone). It needs LibTorch, libsndfile and libsoxr:",
      "sudo apt-get install libtorch-dev libsndfile1-dev libsoxr-dev cmake build-essential pkg-config",
    ].join("\n"),
  );
  (error as Error & { code: string }).code = "ERR_NATIVE_LOAD";
  throw error;
}
