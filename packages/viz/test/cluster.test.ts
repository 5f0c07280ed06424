import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adjustedRandIndex, agglomerative, autoK, hdbscan, kmeans } from "../src/index.js";
import { seededRandom } from "../src/umap/random.js";
import { PYTHON, sklearnMissing, sklearnReference } from "./helpers/sklearn.js";

function gaussian(random: () => number) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** `k` blobs (centres `spread` apart per axis, unit noise), then `noise` uniform points. */
function blobs(n: number, d: number, k: number, seed: number, spread = 10, noise = 0) {
  const random = seededRandom(seed);
  const centres = Array.from({ length: k * d }, () => gaussian(random) * spread);
  const x = new Float32Array((n + noise) * d);
  const y = new Int32Array(n + noise).fill(-1);
  for (let i = 0; i < n; i++) {
    y[i] = i % k;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[y[i]! * d + j]! + gaussian(random);
  }
  for (let i = n; i < n + noise; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = (random() - 0.5) * 6 * spread;
  }
  return { x, y };
}

const missing = sklearnMissing();

describe("kmeans", () => {
  const { x, y } = blobs(600, 8, 4, 2);

  it("recovers well-separated blobs, deterministically per seed", async () => {
    const a = await kmeans(x, [600, 8], { k: 4, seed: 3 });
    const b = await kmeans(x, [600, 8], { k: 4, seed: 3 });
    expect(adjustedRandIndex(y, a.labels)).toBe(1);
    expect(a.labels).toEqual(b.labels);
    expect(a.inertia).toBe(b.inertia);
    expect(a.centroids.length).toBe(4 * 8);
    // inertia is the sum of squared distances to the returned centroids
    let sse = 0;
    for (let i = 0; i < 600; i++) {
      for (let j = 0; j < 8; j++) sse += (x[i * 8 + j]! - a.centroids[a.labels[i]! * 8 + j]!) ** 2;
    }
    expect(a.inertia).toBeCloseTo(sse, 1);
  });

  it("rejects a bad k", async () => {
    await expect(kmeans(x, [600, 8], { k: 0 })).rejects.toThrow(RangeError);
  });

  it("autoK picks the number of blobs by silhouette", async () => {
    const r = await autoK(x, [600, 8], { kMin: 2, kMax: 7, nInit: 3 });
    expect(r.k).toBe(4);
    expect(r.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7]);
  });
});

if (missing) console.warn(`skipping scikit-learn clustering comparisons: ${missing}`);

// Python start-up and scikit-learn imports are slow on a loaded 2-core machine.
describe.skipIf(missing !== null)("clusterings vs scikit-learn", { timeout: 240_000 }, () => {
  const sklearn = (x: Float32Array, rows: number, cols: number, ks: number[]) => {
    const dir = mkdtempSync(join(tmpdir(), "audiomap-cl-"));
    try {
      writeFileSync(join(dir, "x.f32"), x);
      const r = spawnSync(
        PYTHON,
        [
          join(import.meta.dirname, "helpers", "sklearn_cluster.py"),
          join(dir, "x.f32"),
          String(rows),
          String(cols),
          ks.join(","),
        ],
        { encoding: "utf8" },
      );
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as {
        kmeans: number[];
        kmeansInertia: number;
        ward: Record<string, number[]>;
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it("k-means on blobs: same partition as sklearn KMeans (ARI 1)", async () => {
    const { x } = blobs(1000, 16, 6, 5);
    const ref = sklearn(x, 1000, 16, [6]);
    const ours = await kmeans(x, [1000, 16], { k: 6, seed: 0 });
    expect(adjustedRandIndex(ref.kmeans, ours.labels)).toBe(1);
    expect(Math.abs(ours.inertia - ref.kmeansInertia) / ref.kmeansInertia).toBeLessThan(1e-5);
  });

  it("Ward agglomerative: same partition as sklearn on iris and blobs", async () => {
    const iris = sklearnReference("iris");
    const irisRef = sklearn(iris.x, 150, 4, [2, 3, 5]);
    for (const k of [2, 3, 5]) {
      const ours = await agglomerative(iris.x, iris.shape, { k });
      expect(adjustedRandIndex(irisRef.ward[k]!, ours.labels), `iris k=${k}`).toBe(1);
    }
    const { x } = blobs(400, 10, 5, 9, 3);
    const ref = sklearn(x, 400, 10, [5]);
    const ours = await agglomerative(x, [400, 10], { k: 5 });
    expect(adjustedRandIndex(ref.ward[5]!, ours.labels)).toBe(1);
  });
});

describe("hdbscan", () => {
  it("finds the blobs and calls scattered points noise", async () => {
    const { x, y } = blobs(600, 4, 3, 4, 10, 60);
    const r = await hdbscan(x, [660, 4], { minClusterSize: 15 });
    expect(r.nClusters).toBe(3);
    const inBlob = Array.from(y.keys()).filter((i) => y[i]! >= 0);
    const noise = Array.from(y.keys()).filter((i) => y[i]! < 0);
    // Blob points: the same partition, nearly all clustered.
    const clustered = inBlob.filter((i) => r.labels[i]! >= 0);
    expect(clustered.length).toBeGreaterThan(0.95 * inBlob.length);
    expect(
      adjustedRandIndex(
        clustered.map((i) => y[i]!),
        clustered.map((i) => r.labels[i]!),
      ),
    ).toBe(1);
    // Uniform points far from every blob: mostly noise.
    expect(noise.filter((i) => r.labels[i] === -1).length).toBeGreaterThan(0.8 * noise.length);
  });

  it("hand case: two tight groups of 3 and one far point", async () => {
    const x = new Float32Array([0, 0.1, 0.2, 10, 10.1, 10.2, 50]);
    const r = await hdbscan(x, [7, 1], { minClusterSize: 3, minSamples: 2 });
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 1, 1, 1, -1]);
    await expect(hdbscan(x, [7, 1], { minClusterSize: 1 })).rejects.toThrow(RangeError);
  });
});
