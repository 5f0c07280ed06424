export type { NativeBuildInfo, NativeDType, NativeTensor } from "./binding.js";
export { native } from "./binding.js";
export type { CudaMemoryStats, NativeDevStats } from "./binding.js";
export type {
  NativeCompute,
  NativeDistanceOptions,
  NativeKmeansOptions,
  NativeKmeansResult,
  NativeKnnOptions,
  NativeKnnResult,
} from "./binding.js";
export type {
  AudioErrorCode,
  NativeAudio,
  NativeAudioInfo,
  NativeAudioReader,
  NativeAudioSource,
  NativeDecodedAudio,
} from "./binding.js";
