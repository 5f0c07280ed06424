/**
 * The caching allocator behind LibTorch's CPU tensors. The addon installs it when it loads:
 * it keeps the large activation buffers of one forward call mapped for the next call instead
 * of giving them back to the system, which saves the page faults of touching fresh memory on
 * every call and keeps a long run's memory from growing with heap fragmentation. The cache
 * holds at most as many bytes as the largest working set seen (at least 64 MiB), so memory is
 * bounded by about twice the largest batch's activations plus the weights.
 *
 * Environment: AUDIOMAP_CPU_ALLOCATOR=system keeps LibTorch's own allocator;
 * AUDIOMAP_CPU_CACHE_MB=N fixes the cache limit. Both are read once, when the addon loads.
 */
import { type CpuMemoryStats, native } from "./binding.js";

export type { CpuMemoryStats };

/** The allocator's counters, or null when LibTorch's own allocator is in use. */
export function cpuMemory(): CpuMemoryStats | null {
  return native().memory.cpuMemory();
}

/** Resets `peakAllocated` and `peakMapped` to the current values. */
export function resetCpuPeak(): boolean {
  return native().memory.resetCpuPeak();
}

/**
 * Gives every cached block back to the system, for example after a large batch job when the
 * process goes on doing other work. Blocks in use are not touched.
 */
export function emptyCpuCache(): boolean {
  return native().memory.emptyCpuCache();
}
