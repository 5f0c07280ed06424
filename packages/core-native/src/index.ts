export type {
  AudioErrorCode,
  CudaMemoryStats,
  NativeAudio,
  NativeAudioInfo,
  NativeAudioLimits,
  NativeAudioReader,
  NativeAudioSource,
  NativeBuildInfo,
  NativeCompute,
  NativeDecodedAudio,
  NativeDecodeLimits,
  NativeDeviceInfo,
  NativeDevStats,
  NativeDistanceOptions,
  NativeDType,
  NativeForwardInput,
  NativeForwardOptions,
  NativeForwardResult,
  NativeKmeansOptions,
  NativeKmeansResult,
  NativeKnnOptions,
  NativeKnnResult,
  NativeLayoutOptions,
  NativeMiniBatchKmeansOptions,
  NativeMiniBatchKmeansResult,
  NativeModel,
  NativeModelLoadOptions,
  NativeTensor,
} from "./binding.js";
export { native } from "./binding.js";
export {
  autoDeviceFallback,
  type Device,
  type DeviceInfo,
  type DeviceRequest,
  resolveDevice,
  type SupportedDevices,
  supportedDevices,
} from "./devices.js";
export {
  AudiomapError,
  type AudiomapErrorCode,
  DeviceError,
  DisposedError,
  DTypeError,
  InputShapeError,
  InvalidArgumentError,
  ModelLoadError,
  NativeError,
  OutOfMemoryError,
} from "./errors.js";
export { type CpuMemoryStats, cpuMemory, emptyCpuCache, resetCpuPeak } from "./memory.js";
export {
  type ForwardInput,
  type ForwardOptions,
  type ForwardOutput,
  type ForwardResult,
  type ForwardTiming,
  type LoadModelOptions,
  loadModel,
  Model,
  type ModelDType,
  type PoolMode,
} from "./model.js";
export { type ModelInfo, receptiveField } from "./model_info.js";
export { row, type Tensor } from "./tensor.js";
export { defaultThreads, getThreads, setThreads } from "./threads.js";
