import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baselineDtype } from "../src/bench/baseline.js";
import { resolveBenchModel } from "../src/bench/models.js";
import { lookupPeak } from "../src/bench/peaks.js";
import { toMarkdown } from "../src/bench/report.js";
import { clipsPerBatch } from "../src/bench/run.js";
import { quantile, summarize } from "../src/bench/stats.js";
import { syntheticBatch } from "../src/bench/synthetic.js";
import type { BenchCell, BenchReport } from "../src/bench/types.js";

describe("latency statistics", () => {
  it("matches numpy's linear percentiles", () => {
    const sample = [5, 1, 9, 3, 7, 2, 8, 100, 4, 6, 12];
    const s = summarize(sample);
    const py = execFileSync(
      "/usr/bin/python3",
      [
        "-c",
        `import numpy as np; x=np.array(${JSON.stringify(sample)}); print(*np.percentile(x,[50,95,99]))`,
      ],
      { encoding: "utf8" },
    )
      .trim()
      .split(" ")
      .map(Number);
    expect(s.p50).toBeCloseTo(py[0] as number, 10);
    expect(s.p95).toBeCloseTo(py[1] as number, 10);
    expect(s.p99).toBeCloseTo(py[2] as number, 10);
    expect(s.min).toBe(1);
    expect(s.max).toBe(100);
    expect(s.p50).toBeLessThanOrEqual(s.p95);
    expect(s.p95).toBeLessThanOrEqual(s.p99);
  });

  it("handles a single sample and rejects an empty one", () => {
    expect(quantile([4], 0.99)).toBe(4);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });
});

describe("batch budgets", () => {
  it("fits clips into seconds and samples, never fewer than one", () => {
    expect(clipsPerBatch({ seconds: 30 }, 16000, 16000)).toBe(30);
    expect(clipsPerBatch({ seconds: 30 }, 160000, 16000)).toBe(3);
    expect(clipsPerBatch({ samples: 480_000 }, 16000 * 7, 16000)).toBe(4);
    expect(clipsPerBatch({ seconds: 1 }, 160000, 16000)).toBe(1);
    expect(clipsPerBatch({ clips: 5 }, 160000, 16000)).toBe(5);
  });
});

describe("device peaks", () => {
  it("keys datasheet figures by CUDA device name", () => {
    expect(lookupPeak("NVIDIA H100 80GB HBM3", "bfloat16")?.tflops).toBe(989.4);
    expect(lookupPeak("NVIDIA H100 PCIe", "float16")?.tflops).toBe(756.5);
    expect(lookupPeak("NVIDIA H200", "float16")?.tflops).toBe(989.4);
    expect(lookupPeak("NVIDIA A100-SXM4-80GB", "float32")?.tflops).toBe(19.5);
    expect(lookupPeak("Tesla V100-SXM2-16GB", "bfloat16")).toBeNull();
  });

  it("has no peak for a CPU unless one is given", () => {
    expect(lookupPeak("AMD EPYC 7B13", "float32")).toBeNull();
    expect(lookupPeak("AMD EPYC 7B13", "float32", 1.5)).toEqual({
      tflops: 1.5,
      source: "--peak-tflops",
    });
  });
});

describe("synthetic audio", () => {
  it("is seeded, normalised per clip and differs between clips", () => {
    const a = syntheticBatch({ batch: 2, length: 8000, seed: 3 });
    const b = syntheticBatch({ batch: 2, length: 8000, seed: 3 });
    const c = syntheticBatch({ batch: 2, length: 8000, seed: 4 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const row = a.subarray(0, 8000);
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(variance).toBeCloseTo(1, 3);
    expect(a.subarray(0, 100)).not.toEqual(a.subarray(8000, 8100));
  });
});

describe("bench model files", () => {
  it("takes a file's qint8 cell from its sibling X.qint8.pt, and names it when missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "audiomap-bench-models-"));
    try {
      const path = join(dir, "m.pt");
      writeFileSync(path, "");
      await expect(resolveBenchModel(path, { qint8: true })).rejects.toThrow(/m\.qint8\.pt/);
      expect((await resolveBenchModel(path)).qint8Path).toBeUndefined();
      writeFileSync(join(dir, "m.qint8.pt"), "");
      expect(await resolveBenchModel(path, { qint8: true })).toEqual({
        name: "m",
        path,
        qint8Path: join(dir, "m.qint8.pt"),
      });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("baseline dtype", () => {
  const cell = (device: string, dtype: BenchCell["dtype"]) => ({ device, dtype }) as BenchCell;
  it("is fp16 for fp32 CUDA cells, the cell's dtype otherwise", () => {
    expect(baselineDtype(cell("cuda:0", "float32"))).toBe("float16");
    expect(baselineDtype(cell("cuda:0", "bfloat16"))).toBe("bfloat16");
    expect(baselineDtype(cell("cpu", "float32"))).toBe("float32");
  });
});

describe("Markdown report", () => {
  it("has one row per cell, n/a MFU without a peak, and ratio rows", () => {
    const cellBase = {
      model: "tiny",
      modelPath: "/x/tiny.pt",
      device: "cpu",
      deviceName: "Some CPU",
      dtype: "float32",
      budget: { seconds: 8 },
      clipSeconds: 1,
      batch: 8,
      samples: 16000,
      warmup: 3,
      iterations: 10,
      wallSeconds: 1,
      audioSecondsPerSecond: 400,
      clipsPerSecond: 400,
      latencyMs: { n: 10, mean: 20, min: 19, p50: 20, p95: 21, p99: 22, max: 22 },
      memory: { kind: "host-peak-rss-delta", peakBytes: 3 * 2 ** 20, deltaBytes: 2 ** 20 },
      flops: {
        method: "analytic",
        perCall: 2e8,
        perAudioSecond: 2.5e7,
        frames: 49,
        components: {},
      },
      achievedTflops: 0.01,
      mfu: null,
      peak: null,
      cosineVsFloat32: null,
      float32Path: "/x/tiny.pt",
      quantizedEngine: null,
    } satisfies BenchCell;
    const report: BenchReport = {
      date: "2026-01-01T00:00:00Z",
      host: {
        cpu: "Some CPU",
        cores: 2,
        threads: 2,
        loadAverage: [1.5, 1, 0.5],
        node: "v20",
        torch: "1.13.0",
        addonCuda: false,
      },
      options: { warmup: 3, iterations: 10, minSeconds: 1, seed: 0, threads: 0 },
      cells: [
        cellBase,
        {
          ...cellBase,
          device: "cuda:0",
          mfu: 0.42,
          memory: { kind: "cuda-peak-allocated", peakBytes: 2 ** 30, deltaBytes: 2 ** 29 },
        },
      ],
    };
    const md = toMarkdown(report, [
      {
        cell: 0,
        mode: "eager-b1-fp32",
        ratio: 4,
        result: {
          mode: "eager-b1-fp32",
          batch: 1,
          dtype: "float32",
          note: null,
          iterations: 3,
          audio_seconds_per_s: 100,
          clips_per_s: 100,
          latency_ms: { p50: 1, p95: 1, p99: 1 },
          memory: { kind: "x", peak_bytes: null, delta_bytes: null },
        },
      },
      { cell: 0, mode: "hf-eager-fp32", ratio: null, skipped: "transformers is not importable" },
    ]);
    const rows = md.split("\n").filter((l) => l.startsWith("| tiny"));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toContain("| n/a |");
    expect(rows[0]).toContain("+1.0 MiB RSS");
    expect(rows[1]).toContain("42.0%");
    expect(rows[1]).toContain("1024 MiB (GPU)");
    expect(rows[2]).toContain("4.00×");
    expect(rows[3]).toContain("skipped");
    expect(rows[3]).toContain("transformers is not importable");
  });
});
