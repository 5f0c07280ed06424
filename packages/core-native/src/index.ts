export type { NativeBuildInfo, NativeDType, NativeTensor } from "./binding.js";
export { native } from "./binding.js";
export type { CudaMemoryStats, NativeDevStats } from "./binding.js";
