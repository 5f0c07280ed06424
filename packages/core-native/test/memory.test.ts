// The caching CPU allocator: activation buffers are reused across calls, nothing leaks, the
// cache stays under its limit when shapes vary, weights stay out of it, and the results equal
// those under LibTorch's own allocator.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cpuMemory,
  emptyCpuCache,
  loadModel,
  type Model,
  resetCpuPeak,
  setThreads,
} from "../src/index.js";
import { fixture, makeAudio, maxAbsDiff } from "./helpers/fixtures.js";

// The addon under test: AUDIOMAP_NATIVE_PATH when set (as binding.ts reads it), else this build.
const addonPath =
  process.env.AUDIOMAP_NATIVE_PATH ??
  join(import.meta.dirname, "..", "build", "Release", "audiomap.node");
const MiB = 2 ** 20;

let model: Model;
let allocatedBeforeLoad = 0;
beforeAll(async () => {
  setThreads(1);
  allocatedBeforeLoad = cpuMemory()?.allocated ?? Number.NaN;
  model = await loadModel(fixture("medium.pt"), { device: "cpu", threads: 1 });
});
afterAll(() => model.dispose());

function stats() {
  const s = cpuMemory();
  if (s === null) throw new Error("the caching CPU allocator is not installed");
  return s;
}

describe("caching CPU allocator", () => {
  it("keeps model weights out of the activation cache", () => {
    // medium.pt has ~43 MB of weights; none of them may count as allocated cache blocks.
    expect(model.parameterBytes).toBeGreaterThan(40 * MiB);
    expect(stats().allocated).toBe(allocatedBeforeLoad);
  });

  it("reuses the same blocks for calls of the same shape and frees them after each call", async () => {
    const batch = 2;
    const length = 32000;
    const audio = makeAudio(batch, length, 3);
    await model.forward({ audio, batch, length });
    await model.forward({ audio, batch, length });
    const warm = stats();
    for (let i = 0; i < 5; i++) {
      await model.forward({ audio, batch, length });
      expect(stats().allocated).toBe(warm.allocated);
    }
    const after = stats();
    expect(after.misses).toBe(warm.misses);
    expect(after.hits).toBeGreaterThan(warm.hits);
    expect(after.peakAllocated).toBeGreaterThan(MiB);
  });

  it("stays under its limit while shapes vary, and empties on request", async () => {
    let state = 5;
    const next = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    resetCpuPeak();
    for (let i = 0; i < 25; i++) {
      const batch = 1 + Math.floor(next() * 4);
      const length = 8000 + Math.floor(next() * 64000);
      await model.forward({ audio: makeAudio(batch, length, i), batch, length });
      const s = stats();
      expect(s.cached).toBeLessThanOrEqual(s.cacheLimit);
      // The automatic limit follows the largest working set seen, never less than 64 MiB.
      expect(s.cacheLimit).toBeGreaterThanOrEqual(64 * MiB);
    }
    const s = stats();
    expect(s.peakMapped).toBeLessThanOrEqual(s.peakAllocated + s.cacheLimit);
    expect(emptyCpuCache()).toBe(true);
    expect(stats().cached).toBe(0);
    expect(resetCpuPeak()).toBe(true);
    expect(stats().peakAllocated).toBe(stats().allocated);
    // 25 forward passes of the medium model on one thread: under 10 s on Debian's LibTorch 1.13,
    // but over the 60 s default once on the CUDA LibTorch 2.6 build (scripts/torch-cuda.sh).
  }, 300_000);

  it("gives the same embeddings as LibTorch's own allocator (AUDIOMAP_CPU_ALLOCATOR=system)", async () => {
    const batch = 2;
    const length = 24000;
    const audio = makeAudio(batch, length, 9);
    const { pooled } = await model.forward({ audio, batch, length });
    const script = `
      const addon = require(${JSON.stringify(addonPath)});
      const bytes = require("node:fs").readFileSync(0);
      const audio = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      addon.setThreads(1);
      addon.Model.load(${JSON.stringify(fixture("medium.pt"))}, { device: "cpu", threads: 1 })
        .then((m) => m.forward({ audio, batch: ${batch}, length: ${length} }, { layers: [-1], pooled: true }))
        .then((r) => console.log(JSON.stringify({ memory: addon.memory.cpuMemory(),
          pooled: Array.from(r.pooled.data) })));`;
    const out = execFileSync(process.execPath, ["-e", script], {
      input: Buffer.from(audio.buffer),
      env: { ...process.env, AUDIOMAP_CPU_ALLOCATOR: "system" },
      encoding: "utf8",
      maxBuffer: 64 * MiB,
    });
    const child = JSON.parse(out) as { memory: unknown; pooled: number[] };
    expect(child.memory).toBeNull();
    expect(child.pooled.length).toBe(pooled?.data.length);
    expect(maxAbsDiff(pooled?.data as Float32Array, Float32Array.from(child.pooled))).toBeLessThan(
      1e-6,
    );
  });
});
