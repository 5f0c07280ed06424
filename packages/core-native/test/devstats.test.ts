// The devstats module: CUDA allocator statistics for the benchmark; "unsupported" on CPU builds.
import { describe, expect, it } from "vitest";
import { native } from "../src/binding.js";

const addon = native();
const cuda = addon.buildInfo().cuda;
// A CUDA build may run where no GPU is visible (CI builds one on a CPU-only machine).
const gpu = cuda && addon.supportedDevices().devices.some((d) => d.type === "cuda");

describe("devstats", () => {
  it("agrees with buildInfo about CUDA and validates its argument", () => {
    expect(addon.devstats.cuda).toBe(cuda);
    expect(() => addon.devstats.cudaMemory("0" as unknown as number)).toThrow(TypeError);
    expect(() => addon.devstats.resetCudaPeak(-1)).toThrow(RangeError);
  });

  it.skipIf(cuda)("reports unsupported on a CPU-only build", () => {
    expect(addon.devstats.cudaMemory()).toBeNull();
    expect(addon.devstats.cudaMemory(3)).toBeNull();
    expect(addon.devstats.resetCudaPeak(0)).toBe(false);
    expect(addon.devstats.cudaSynchronize()).toBe(false);
  });

  it.skipIf(!cuda || gpu)("on a CUDA build with no GPU visible, refuses device 0 clearly", () => {
    expect(() => addon.devstats.cudaMemory(0)).toThrow(
      /deviceIndex 0 out of range \(0 CUDA devices\)/,
    );
  });

  it.skipIf(!gpu)("tracks and resets the allocator peak on CUDA", () => {
    const before = addon.devstats.cudaMemory(0);
    expect(before).not.toBeNull();
    expect(addon.devstats.resetCudaPeak(0)).toBe(true);
    const after = addon.devstats.cudaMemory(0);
    expect(after?.peakAllocated).toBe(after?.allocated);
    expect(after?.reserved).toBeGreaterThanOrEqual(after?.allocated ?? 0);
    expect(() => addon.devstats.cudaMemory(1_000)).toThrow(RangeError);
  });
});
