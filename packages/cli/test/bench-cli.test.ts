// Runs the built CLI's `bench` on the tiny fixture model on the CPU, with a Python baseline.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = resolve(__dirname, "../dist/main.js");
const ROOT = resolve(__dirname, "../../..");
const TINY = join(ROOT, "fixtures", "tiny.pt");
const ADDON = join(ROOT, "packages", "core-native", "build", "Release", "audiomap.node");

function audiomap(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 590_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "audiomap-cli-bench-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(MAIN))("audiomap bench: flags", () => {
  it("documents the grid, output and baseline flags", () => {
    const r = audiomap("bench", "--help");
    expect(r.code).toBe(0);
    for (const f of [
      "--model",
      "--device",
      "--dtype",
      "--clip-seconds",
      "--batch-seconds",
      "--batch-size",
      "--baseline",
      "--json",
      "--output",
      "--md",
      "--peak-tflops",
    ])
      expect(r.out).toContain(f);
  });

  it("rejects bad values with exit code 2", () => {
    expect(audiomap("bench", "--dtype", "float64").code).toBe(2);
    expect(audiomap("bench", "--clip-seconds", "0").code).toBe(2);
    expect(audiomap("bench", "--baseline", "jax").code).toBe(2);
  });
});

describe.skipIf(!existsSync(MAIN) || !existsSync(TINY) || !existsSync(ADDON))(
  "audiomap bench on the tiny model (CPU)",
  () => {
    it("writes well-formed JSON and Markdown with sane numbers and baseline ratios", () => {
      const json = join(dir, "bench.json");
      const md = join(dir, "bench.md");
      const r = audiomap(
        "bench",
        "--model",
        TINY,
        "--device",
        "cpu",
        "--dtype",
        "float32",
        "--batch-size",
        "1,4",
        "--clip-seconds",
        "1",
        "--warmup",
        "1",
        "--iterations",
        "3",
        "--min-seconds",
        "0.2",
        "--threads",
        "1",
        "-o",
        json,
        "--md",
        md,
        "--baseline",
        "python",
        "--baseline-modes",
        "eager-b1-fp32,eager-batched,torchscript,hf-eager-fp32",
      );
      expect(r.code, r.err).toBe(0);
      const report = JSON.parse(readFileSync(json, "utf8"));
      expect(report.cells).toHaveLength(2);
      for (const c of report.cells) {
        expect(c.audioSecondsPerSecond).toBeGreaterThan(0);
        expect(c.latencyMs.p50).toBeLessThanOrEqual(c.latencyMs.p95);
        expect(c.latencyMs.p95).toBeLessThanOrEqual(c.latencyMs.p99);
        // tiny config, 1 s clip: 25 886 336 FLOPs per clip (hand count in embeddings/test/bench-flops),
        // minus the batch-shared linear_pos (2·2·97·32² FLOPs) for every clip after the first.
        expect(c.flops.perCall).toBe(25_886_336 * c.batch - 397_312 * (c.batch - 1));
        expect(c.mfu).toBeNull();
      }
      // 2 cells × 4 modes; the batch-1 fp32 eager run is shared by both cells.
      expect(report.baselines).toHaveLength(8);
      for (const b of report.baselines.filter(
        (x: { mode: string }) => x.mode !== "hf-eager-fp32",
      )) {
        expect(b.ratio).toBeGreaterThan(0);
        expect(b.result.audio_seconds_per_s).toBeGreaterThan(0);
        const cell = report.cells[b.cell];
        expect(b.ratio).toBeCloseTo(cell.audioSecondsPerSecond / b.result.audio_seconds_per_s, 9);
      }
      const hf = report.baselines.find((x: { mode: string }) => x.mode === "hf-eager-fp32");
      const transformers =
        spawnSync("/usr/bin/python3", ["-c", "import transformers"]).status === 0;
      if (!transformers) {
        expect(hf.ratio).toBeNull();
        expect(hf.skipped).toMatch(/transformers is not importable/);
      }
      const text = readFileSync(md, "utf8");
      expect(r.out).toBe(text);
      expect(text).toContain("| model | device | dtype | batch | clip s | audio-s/s |");
      expect(text.split("\n").filter((l) => l.startsWith("| tiny"))).toHaveLength(2 + 8);
      expect(text).toMatch(/\| eager-b1-fp32 \| float32 \/ 1 \| [\d.]+ \| [\d.]+× \|/);
    }, 600_000);

    it("--json prints the report as one JSON document on stdout, as every command's --json does", () => {
      const r = audiomap(
        "bench",
        ...["--model", TINY, "--device", "cpu", "--dtype", "float32", "--batch-size", "2"],
        ...["--clip-seconds", "0.5", "--warmup", "0", "--iterations", "1", "--min-seconds", "0.01"],
        ...["--threads", "1", "--json", "-q"],
      );
      expect(r.code, r.err).toBe(0);
      const report = JSON.parse(r.out);
      expect(report.cells).toHaveLength(1);
      expect(report.cells[0].batch).toBe(2);
      expect(report.baselines).toEqual([]);
      expect(r.err).toBe("");
    }, 120_000);
  },
);
