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
// The addon
// ---------------------------------------------------------------------------------------------

export interface NativeAddon {
  buildInfo(): NativeBuildInfo;
  devstats: NativeDevStats;
}

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [
  process.env.AUDIOMAP_NATIVE_PATH,
  join(here, "..", "build", "Release", "audiomap.node"),
  join(here, "..", "build", "Debug", "audiomap.node"),
].filter((p): p is string => Boolean(p));

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
      "audiomap: the native addon could not be loaded.",
      ...errors.map((e) => `  - ${e}`),
      "Build it with `pnpm --filter @audiomap/core-native build` (needs LibTorch,",
      "libsndfile and libsoxr; see packages/core-native/README.md).",
    ].join("\n"),
  );
  (error as Error & { code: string }).code = "ERR_NATIVE_LOAD";
  throw error;
}
