import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { frameCount, modelFlops } from "../src/bench/flops.js";

const root = join(import.meta.dirname, "..", "..", "..");
const configs = join(root, "tools", "export", "configs");
const readConfig = (name: string) =>
  JSON.parse(readFileSync(join(configs, `${name}.json`), "utf8"));
const python = process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3";

/** Measured count: ATen ops of the project's eager model, intercepted (tools/bench/count_flops.py). */
function measured(config: string, batch: number, samples: number, head: boolean) {
  const args = [
    join(root, "tools", "bench", "count_flops.py"),
    "--config",
    join(configs, `${config}.json`),
  ];
  args.push("--batch", String(batch), "--samples", String(samples));
  if (head) args.push("--head");
  return JSON.parse(execFileSync(python, args, { encoding: "utf8" })) as {
    flops: number;
    frames: number;
  };
}

describe("modelFlops", () => {
  it("matches a hand count of the tiny config for one 1 s clip", () => {
    // tiny: H=32, I=64, L=2, heads=4, conv_dim 7×32, K=15, relative positions.
    // Frames: 16000 → 3199 → 1599 → 799 → 399 → 199 → 99 → 49.
    // Encoder MACs: 3199·32·1·10 + (1599+799+399+199)·32·32·3 + (99+49)·32·32·2
    //             = 1 023 680 + 9 203 712 + 303 104 = 10 530 496.
    // Projection 49·32·32 = 50 176. Per layer: FFN 4·49·32·64 = 401 408; q/k/v/out
    // 4·49·32² = 200 704; QKᵀ + AV 2·49²·32 = 153 664; linear_pos 97·32² = 99 328;
    // position scores 49·97·32 = 152 096; conv module 49·32·64 + 49·32·15 + 49·32² = 174 048.
    // Per layer 1 181 248; two layers 2 362 496. Total MACs 12 943 168 → 25 886 336 FLOPs.
    const tiny = readConfig("tiny");
    const count = modelFlops(tiny, { samples: 16000 });
    expect(count.frames).toBe(49);
    expect(count.components.featureEncoder).toBe(2 * 10_530_496);
    expect(count.components.relPosProj).toBe(2 * 2 * 99_328);
    expect(count.total).toBe(25_886_336);
  });

  it("counts the shared position projection once per batch, not per clip", () => {
    const tiny = readConfig("tiny");
    const one = modelFlops(tiny, { samples: 16000 });
    const four = modelFlops(tiny, { samples: 16000, batch: 4 });
    expect(four.total).toBe(4 * one.total - 3 * one.components.relPosProj);
  });

  it("has no position terms for rotary models", () => {
    const c = modelFlops(
      { ...readConfig("tiny"), position_embeddings_type: "rotary" },
      { samples: 16000 },
    );
    expect(c.components.relPosProj).toBe(0);
    expect(c.components.relPosScores).toBe(0);
  });

  it("gives about 68 GFLOPs per second of audio for the large rel-pos architecture", () => {
    const large = readConfig("large-rel-pos");
    const c = modelFlops(large, { samples: 16000 });
    expect(c.total / 1e9).toBeGreaterThan(60);
    expect(c.total / 1e9).toBeLessThan(75);
  });

  it("agrees with frameCount and HF's frame math", () => {
    const k = [10, 3, 3, 3, 3, 2, 2];
    const s = [5, 2, 2, 2, 2, 2, 2];
    expect(frameCount(16000, k, s)).toBe(49);
    expect(frameCount(160000, k, s)).toBe(499);
    expect(frameCount(399, k, s)).toBe(0);
    expect(frameCount(400, k, s)).toBe(1);
  });
});

const eagerAvailable = existsSync(join(root, "tools", "export", "audiomap_export", "model.py"));

describe.skipIf(!eagerAvailable)("modelFlops against a measured count (python torch)", () => {
  it.each([
    ["tiny", 1, 16000, false],
    ["tiny", 2, 16000, false],
    ["tiny", 3, 8000, true],
    ["tiny-rotary", 2, 12345, false],
    ["medium", 2, 24000, true],
  ] as const)("%s batch %i × %i samples (head %s)", (name, batch, samples, head) => {
    const m = measured(name, batch, samples, head);
    const f = modelFlops(readConfig(name), { batch, samples, head });
    expect(f.frames).toBe(m.frames);
    expect(f.total).toBe(m.flops);
  });
});
