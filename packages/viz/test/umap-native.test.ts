// The native layout engine: the same SGD update as the JavaScript engines, chunk-independent and
// deterministic, the same layout quality, and bad input rejected without a crash.
import { native } from "@audiomap/core-native";
import { describe, expect, it } from "vitest";
import { trustworthiness, umap } from "../src/index.js";
import { LayoutOptimizer } from "../src/umap/optimize.js";
import { seededRandom } from "../src/umap/random.js";

/** A random edge schedule over `n` points, in the shape scheduleEdges produces. */
function schedule(n: number, edges: number, seed: number) {
  const random = seededRandom(seed);
  const head = new Int32Array(edges);
  const tail = new Int32Array(edges);
  const epochsPerSample = new Float64Array(edges);
  for (let i = 0; i < edges; i++) {
    head[i] = Math.floor(random() * n);
    tail[i] = (head[i]! + 1 + Math.floor(random() * (n - 1))) % n;
    epochsPerSample[i] = 1 + Math.floor(random() * 4);
  }
  const coords = Float64Array.from({ length: n * 2 }, () => random() * 20 - 10);
  return { head, tail, epochsPerSample, coords };
}

/** Overlapping Gaussian classes in `d` dimensions (centres 2 apart per axis, unit noise). */
function mixture(n: number, d: number, k: number, seed: number) {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: k * d }, () => gauss() * 2);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = centres[(i % k) * d + j]! + gauss();
  }
  return x;
}

const ab = { a: 1.577, b: 0.895 };

describe("native UMAP layout", () => {
  it("applies umap-js's attractive update exactly as the JavaScript engine does", async () => {
    // A vanishing negative-sample rate leaves only the attractive updates, which use no random
    // numbers, so both engines must follow the same trajectory, up to float32 against float64
    // rounding (about 1e-5 after 10 epochs here; clustered points amplify it later on).
    const n = 200;
    const nEpochs = 10;
    const rate = 1e-9;
    const s = schedule(n, 1500, 1);
    const js = s.coords.slice();
    const optimizer = new LayoutOptimizer(js, js, s, {
      ...ab,
      nEpochs,
      dim: 2,
      nVertices: n,
      random: seededRandom(1),
      negativeSampleRate: rate,
    });
    while (optimizer.epoch < nEpochs) optimizer.step();
    const coords = Float32Array.from(s.coords);
    await native().optimizeLayout(
      coords,
      null,
      s.head,
      s.tail,
      s.epochsPerSample,
      s.epochsPerSample.slice(),
      s.epochsPerSample.map((e) => e / rate),
      { ...ab, dim: 2, nEpochs, negativeSampleRate: rate },
    );
    let maxDiff = 0;
    let moved = 0;
    for (let i = 0; i < js.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(js[i]! - coords[i]!));
      moved = Math.max(moved, Math.abs(js[i]! - s.coords[i]!));
    }
    expect(moved).toBeGreaterThan(1);
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it("gives the same result however the epochs are split across calls", async () => {
    const n = 300;
    const s = schedule(n, 2000, 2);
    const run = async (chunks: number[]) => {
      const coords = Float32Array.from(s.coords);
      const nextSample = s.epochsPerSample.slice();
      const nextNegative = s.epochsPerSample.map((e) => e / 5);
      let from = 0;
      for (const to of chunks) {
        await native().optimizeLayout(
          coords,
          null,
          s.head,
          s.tail,
          s.epochsPerSample,
          nextSample,
          nextNegative,
          { ...ab, dim: 2, nEpochs: 50, from, to, seed: 9 },
        );
        from = to;
      }
      return coords;
    };
    const whole = await run([50]);
    expect(await run([7, 20, 21, 50])).toEqual(whole);
    expect(whole).not.toEqual(Float32Array.from(s.coords));
  });

  it("lays out as well as umap-js's algorithm in JavaScript (trustworthiness within 0.01)", async () => {
    const n = 1500;
    const d = 24;
    const x = mixture(n, d, 6, 3);
    const trust = async (engine: "native" | "fast") => {
      const r = await umap(x, [n, d], { seed: 4, engine });
      return trustworthiness(x, [n, d], r.embedding, r.shape, { nNeighbors: 15 });
    };
    const nativeTrust = await trust("native");
    const fastTrust = await trust("fast");
    console.log(`trustworthiness: native ${nativeTrust.toFixed(4)}, fast ${fastTrust.toFixed(4)}`);
    expect(fastTrust).toBeGreaterThan(0.85);
    expect(Math.abs(nativeTrust - fastTrust)).toBeLessThan(0.01);
  });

  it("rejects edges outside the embedding and bad parameters without crashing", async () => {
    const s = schedule(10, 20, 3);
    const coords = Float32Array.from(s.coords);
    const args = [s.epochsPerSample, s.epochsPerSample.slice(), s.epochsPerSample.slice()] as const;
    const badHead = s.head.slice();
    badHead[5] = 10;
    await expect(async () =>
      native().optimizeLayout(coords, null, badHead, s.tail, ...args, {
        ...ab,
        dim: 2,
        nEpochs: 5,
      }),
    ).rejects.toThrow(/edge 5 points outside/);
    await expect(async () =>
      native().optimizeLayout(coords, null, s.head, s.tail.subarray(1), ...args, {
        ...ab,
        dim: 2,
        nEpochs: 5,
      }),
    ).rejects.toThrow(/tail: expected 20/);
    await expect(async () =>
      native().optimizeLayout(coords, null, s.head, s.tail, ...args, {
        ...ab,
        dim: 2,
        nEpochs: 5,
        to: 6,
      }),
    ).rejects.toThrow(RangeError);
  });
});
