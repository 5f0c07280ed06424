/**
 * Peak memory of a timed region: the CUDA caching allocator's peak on a GPU (via the addon's
 * devstats), the process's peak RSS on the host.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { native } from "@audiomap/core-native";
import type { BenchMemory } from "./types.js";

/** A running measurement; `stop()` returns the peak since `startMemory`. */
export interface MemoryProbe {
  stop(): BenchMemory;
}

/**
 * Starts measuring for `device` ("cpu" | "cuda:N"). On CUDA it resets the allocator's peak
 * counter; on Linux hosts it resets VmHWM by writing "5" to /proc/self/clear_refs, so the
 * CPU figure is the exact peak of the region, not a sample. The RSS includes everything the
 * process does meanwhile (the benchmark runs nothing else).
 */
export function startMemory(device: string): MemoryProbe {
  if (device.startsWith("cuda")) {
    const stats = native().devstats;
    const index = Number(device.split(":")[1] ?? 0);
    stats.cudaSynchronize(index);
    const before = stats.cudaMemory(index);
    if (before && stats.resetCudaPeak(index)) {
      return {
        stop() {
          stats.cudaSynchronize(index);
          const after = stats.cudaMemory(index);
          if (!after) return unavailable;
          return {
            kind: "cuda-peak-allocated",
            peakBytes: after.peakAllocated,
            deltaBytes: after.peakAllocated - before.allocated,
          };
        },
      };
    }
    return { stop: () => unavailable };
  }
  const base = procKib("VmRSS");
  let reset = false;
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    reset = true;
  } catch {
    // Not Linux, or not permitted: no exact peak.
  }
  return {
    stop() {
      const hwm = procKib("VmHWM");
      if (!reset || hwm === null || base === null) return unavailable;
      return {
        kind: "host-peak-rss-delta",
        peakBytes: hwm * 1024,
        deltaBytes: (hwm - base) * 1024,
      };
    },
  };
}

const unavailable: BenchMemory = { kind: "unavailable", peakBytes: null, deltaBytes: null };

function procKib(key: string): number | null {
  try {
    const m = readFileSync("/proc/self/status", "utf8").match(
      new RegExp(`^${key}:\\s+(\\d+)`, "m"),
    );
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
