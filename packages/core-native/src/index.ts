export { native } from "./binding.js";
export type { NativeBuildInfo, NativeDType, NativeTensor } from "./binding.js";
