export type { NativeBuildInfo, NativeDType, NativeTensor } from "./binding.js";
export { native } from "./binding.js";
