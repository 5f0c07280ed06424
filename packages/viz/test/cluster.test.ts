import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AGGLOMERATIVE_DENSE_MAX_POINTS,
  adjustedRandIndex,
  agglomerative,
  autoK,
  HDBSCAN_DENSE_MAX_POINTS,
  type HdbscanResult,
  hdbscan,
  kmeans,
} from "../src/index.js";
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

/** Same partition and noise (ARI 1) and the same cluster stabilities (relative 5e-5: the dense and kNN distances round differently in float32). */
function expectSameClustering(a: HdbscanResult, b: HdbscanResult) {
  expect(adjustedRandIndex(a.labels, b.labels)).toBe(1);
  expect(Array.from(a.labels, (l) => l < 0)).toEqual(Array.from(b.labels, (l) => l < 0));
  const sa = Array.from(a.stabilities).sort((p, q) => p - q);
  const sb = Array.from(b.stabilities).sort((p, q) => p - q);
  expect(sa.length).toBe(sb.length);
  sa.forEach((s, i) => {
    expect(s / sb[i]!, `stability ${i}`).toBeCloseTo(1, 4);
  });
}

describe("hdbscan on a kNN graph", { timeout: 120_000 }, () => {
  it("matches the exact dense path on blobs with uniform noise (connected graph)", async () => {
    const { x } = blobs(3000, 8, 5, 7, 4, 300);
    const dense = await hdbscan(x, [3300, 8], { minClusterSize: 15, method: "dense" });
    const graph = await hdbscan(x, [3300, 8], { minClusterSize: 15, method: "knn" });
    expect(dense.method).toBe("dense");
    expect(graph.method).toBe("knn");
    expect(graph.graph).toEqual({ k: 15, components: 1, exactJoins: true });
    expect(graph.nClusters).toBe(dense.nClusters);
    expect(adjustedRandIndex(dense.labels, graph.labels)).toBeGreaterThan(0.99);
  });

  it("joins the components of separated blobs by exact lightest edges", async () => {
    const { x, y } = blobs(2400, 6, 6, 8, 12);
    const dense = await hdbscan(x, [2400, 6], {
      minClusterSize: 20,
      minSamples: 5,
      method: "dense",
    });
    // k = 5 leaves every blob (and maybe pieces of it) a component of its own.
    const graph = await hdbscan(x, [2400, 6], {
      minClusterSize: 20,
      minSamples: 5,
      method: "knn",
      knn: 5,
    });
    expect(graph.graph!.components).toBeGreaterThanOrEqual(6);
    expect(graph.graph!.exactJoins).toBe(true);
    expect(graph.nClusters).toBe(6);
    expect(adjustedRandIndex(y, graph.labels)).toBe(1);
    expect(adjustedRandIndex(dense.labels, graph.labels)).toBeGreaterThan(0.99);
  });

  it("with every pair a graph edge, equals the dense path exactly", async () => {
    const { x } = blobs(360, 3, 3, 11, 5, 40);
    const opts = { minClusterSize: 10, minSamples: 4 };
    const dense = await hdbscan(x, [400, 3], { ...opts, method: "dense" });
    const graph = await hdbscan(x, [400, 3], { ...opts, method: "knn", knn: 399 });
    expectSameClustering(graph, dense);
  });

  it("components joined by their lightest edges: the dense tree's stabilities", async () => {
    // knn 60 < 300 points per blob: each blob is a component with its exact inner tree, so
    // the whole tree (and every stability) is exact only if the joins are the lightest edges.
    const { x } = blobs(1800, 4, 6, 12, 10);
    const opts = { minClusterSize: 20, minSamples: 5 };
    const dense = await hdbscan(x, [1800, 4], { ...opts, method: "dense" });
    const graph = await hdbscan(x, [1800, 4], { ...opts, method: "knn", knn: 60 });
    expect(graph.graph).toEqual({ k: 60, components: 6, exactJoins: true });
    expectSameClustering(graph, dense);
  });

  it("rejects a bad method or graph size and names the dense limit", async () => {
    const x = new Float32Array(200).map((_, i) => i % 17);
    await expect(hdbscan(x, [100, 2], { method: "prim" as "knn" })).rejects.toThrow(/supported/);
    await expect(hdbscan(x, [100, 2], { minSamples: 10, knn: 5, method: "knn" })).rejects.toThrow(
      /knn must be/,
    );
    await expect(hdbscan(x, [100, 2], { minSamples: 0 })).rejects.toThrow(RangeError);
    const big = new Float32Array(HDBSCAN_DENSE_MAX_POINTS + 1);
    await expect(
      hdbscan(big, [HDBSCAN_DENSE_MAX_POINTS + 1, 1], { method: "dense" }),
    ).rejects.toMatchObject({ code: "ERR_TOO_MANY_POINTS" });
  });
});

describe("agglomerative on a kNN graph", { timeout: 120_000 }, () => {
  it("picks the graph above the dense limit and refuses dense there", async () => {
    const n = AGGLOMERATIVE_DENSE_MAX_POINTS + 1;
    const { x, y } = blobs(n, 2, 3, 3, 20);
    const r = await agglomerative(x, [n, 2], { k: 3 });
    expect(r.method).toBe("knn");
    expect(r.heights.length).toBe(n - 1);
    expect(adjustedRandIndex(y, r.labels)).toBe(1);
    await expect(agglomerative(x, [n, 2], { k: 3, method: "dense" })).rejects.toMatchObject({
      code: "ERR_TOO_MANY_POINTS",
    });
    await expect(agglomerative(x, [n, 2], { k: 3, linkage: "single" as "ward" })).rejects.toThrow(
      /supported: ward, average/,
    );
    await expect(agglomerative(x, [n, 2], { k: 3, knn: 0, method: "knn" })).rejects.toThrow(
      RangeError,
    );
  });

  it("dense average linkage equals scipy's average linkage heights", async () => {
    // Four points on a line: 0, 1, 3, 7 → merges {0,1} at 1, {01,3} at mean(3,2) = 2.5,
    // {013,7} at mean(7,6,4) = 17/3.
    const x = new Float32Array([0, 1, 3, 7]);
    const r = await agglomerative(x, [4, 1], { k: 2, linkage: "average", method: "dense" });
    expect(Array.from(r.heights)).toEqual([1, 2.5, expect.closeTo(17 / 3, 6)]);
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 1]);
  });
});

/** Runs test/helpers/sklearn_graph_cluster.py with `python` (argv), the matrix on stdin. */
function graphReference(
  python: string[],
  x: Float32Array,
  rows: number,
  cols: number,
  jobs: string[],
) {
  const script = readFileSync(
    join(import.meta.dirname, "helpers", "sklearn_graph_cluster.py"),
    "utf8",
  );
  const r = spawnSync(
    python[0]!,
    [...python.slice(1), "-c", script, "-", String(rows), String(cols), ...jobs],
    {
      input: Buffer.from(x.buffer, x.byteOffset, x.byteLength),
      encoding: "utf8",
      maxBuffer: 1 << 28,
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Record<string, { labels: number[]; heights?: number[] }>;
}

describe.skipIf(missing !== null)(
  "kNN-graph linkage vs scikit-learn connectivity=kneighbors_graph",
  { timeout: 240_000 },
  () => {
    it("Ward and average: same partitions and merge heights", async () => {
      const { x } = blobs(3000, 8, 5, 7, 4, 300);
      const jobs = ["ward:5:10", "ward:12:10", "average:5:10", "average:12:10"];
      const ref = graphReference([PYTHON], x, 3300, 8, jobs);
      for (const job of jobs) {
        const [linkage, k] = job.split(":") as ["ward" | "average", string];
        const ours = await agglomerative(x, [3300, 8], {
          k: Number(k),
          linkage,
          method: "knn",
          knn: 10,
        });
        expect(ours.components, job).toBe(1);
        expect(adjustedRandIndex(ref[job]!.labels, ours.labels), job).toBeGreaterThan(0.99);
        const h = ref[job]!.heights!;
        let worst = 0;
        for (let i = 0; i < h.length; i++)
          worst = Math.max(worst, Math.abs(ours.heights[i]! - h[i]!) / h[i]!);
        expect(worst, `${job} merge heights`).toBeLessThan(1e-5);
      }
    });

    it("separated blobs (a disconnected graph): the blobs, as scikit-learn finds them", async () => {
      const { x, y } = blobs(2400, 6, 6, 8, 12);
      const jobs = ["ward:6:10", "average:6:10"];
      const ref = graphReference([PYTHON], x, 2400, 6, jobs);
      for (const job of jobs) {
        const linkage = job.split(":")[0] as "ward" | "average";
        const ours = await agglomerative(x, [2400, 6], { k: 6, linkage, method: "knn", knn: 10 });
        expect(ours.components, job).toBeGreaterThanOrEqual(6);
        expect(adjustedRandIndex(ref[job]!.labels, ours.labels), job).toBe(1);
        expect(adjustedRandIndex(y, ours.labels), job).toBe(1);
      }
    });
  },
);

// scikit-learn >= 1.3 has HDBSCAN; Debian bookworm's 1.2 does not. Set AUDIOMAP_HDBSCAN_PYTHON
// to a command that runs such a python, e.g. "chroot /path/to/trixie-root python3".
const hdbscanPython = process.env.AUDIOMAP_HDBSCAN_PYTHON?.split(" ").filter(Boolean);
if (!hdbscanPython)
  console.warn("skipping HDBSCAN vs scikit-learn: AUDIOMAP_HDBSCAN_PYTHON is not set");
describe.skipIf(!hdbscanPython)(
  "hdbscan vs scikit-learn >= 1.3 HDBSCAN",
  { timeout: 240_000 },
  () => {
    it("dense and kNN-graph paths: ARI >= 0.99 with sklearn's labels", async () => {
      for (const [n, d, k, spread, noise] of [
        [3000, 8, 5, 4, 300],
        [6000, 16, 6, 10, 0],
      ] as const) {
        const { x } = blobs(n, d, k, 7, spread, noise);
        const ref = graphReference(hdbscanPython!, x, n + noise, d, ["hdbscan:15:15"])[
          "hdbscan:15:15"
        ]!;
        for (const method of ["dense", "knn"] as const) {
          const ours = await hdbscan(x, [n + noise, d], { minClusterSize: 15, method });
          expect(adjustedRandIndex(ref.labels, ours.labels), `${n}×${d} ${method}`).toBeGreaterThan(
            0.99,
          );
        }
      }
    });
  },
);
