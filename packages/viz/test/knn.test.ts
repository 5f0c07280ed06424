import { native } from "@audiomap/core-native";
import { describe, expect, it } from "vitest";
import { AUTO_EXACT_MAX_POINTS, knn, resolveKnnMethod } from "../src/index.js";
import { seededRandom } from "../src/umap/random.js";

function randomMatrix(n: number, d: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n * d }, () => random() * 2 - 1);
}

/** Brute force in float64: the k nearest other rows of each query. */
function bruteForce(
  x: Float32Array,
  n: number,
  d: number,
  q: Float32Array,
  k: number,
  cosine: boolean,
  self: boolean,
) {
  const m = q.length / d;
  const out: Array<Array<{ j: number; dist: number }>> = [];
  for (let i = 0; i < m; i++) {
    const row: Array<{ j: number; dist: number }> = [];
    for (let j = 0; j < n; j++) {
      if (self && i === j) continue;
      let dot = 0;
      let qq = 0;
      let xx = 0;
      let sq = 0;
      for (let c = 0; c < d; c++) {
        const a = q[i * d + c]!;
        const b = x[j * d + c]!;
        dot += a * b;
        qq += a * a;
        xx += b * b;
        sq += (a - b) ** 2;
      }
      row.push({ j, dist: cosine ? 1 - dot / Math.sqrt(qq * xx) : Math.sqrt(sq) });
    }
    row.sort((a, b) => a.dist - b.dist);
    out.push(row.slice(0, k));
  }
  return out;
}

describe("knn", () => {
  const n = 500;
  const d = 24;
  const x = randomMatrix(n, d, 1);

  for (const metric of ["euclidean", "cosine"] as const) {
    it(`exact ${metric} equals brute force (self excluded)`, async () => {
      const g = await knn(x, [n, d], { k: 7, metric });
      const ref = bruteForce(x, n, d, x, 7, metric === "cosine", true);
      for (let i = 0; i < n; i++) {
        expect(Array.from(g.indices.subarray(i * 7, i * 7 + 7))).toEqual(ref[i]!.map((r) => r.j));
        for (let j = 0; j < 7; j++) expect(g.distances[i * 7 + j]).toBeCloseTo(ref[i]![j]!.dist, 5);
      }
    });
  }

  it("queries search the data without excluding anything", async () => {
    const q = randomMatrix(20, d, 2);
    const g = await knn(x, [n, d], { k: 5, queries: q });
    const ref = bruteForce(x, n, d, q, 5, false, false);
    expect(g.n).toBe(20);
    for (let i = 0; i < 20; i++) {
      expect(Array.from(g.indices.subarray(i * 5, i * 5 + 5))).toEqual(ref[i]!.map((r) => r.j));
    }
  });

  /** Recall of `got` against `truth` (both [n, k] lists). */
  function recall(truth: Int32Array, got: Int32Array, rows: number, k: number): number {
    let hits = 0;
    for (let i = 0; i < rows; i++) {
      const set = new Set(truth.subarray(i * k, (i + 1) * k));
      for (const j of got.subarray(i * k, (i + 1) * k)) if (set.has(j)) hits++;
    }
    return hits / (rows * k);
  }

  function gaussian(random: () => number): number {
    let u = 0;
    while (u === 0) u = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }

  /**
   * Isotropic mixture like bench/umap's (10 classes, centres 0.3 apart per axis under unit
   * noise): high intrinsic dimension, where the removed 64-dimensional PCA search found about a
   * third of the neighbours.
   */
  function mixture(m: number, dim: number, seed: number): Float32Array {
    const random = seededRandom(seed);
    const centres = Array.from({ length: 10 * dim }, () => gaussian(random));
    const out = new Float32Array(m * dim);
    for (let i = 0; i < m; i++) {
      const c = Math.floor(random() * 10);
      for (let j = 0; j < dim; j++)
        out[i * dim + j] = 0.3 * centres[c * dim + j]! + gaussian(random);
    }
    return out;
  }

  /** Rank-8 signal in `dim` dimensions plus small isotropic noise. */
  function lowRank(m: number, dim: number, seed: number): Float32Array {
    const random = seededRandom(seed);
    const basis = Array.from({ length: 8 * dim }, () => gaussian(random) / Math.sqrt(8));
    const out = new Float32Array(m * dim);
    for (let i = 0; i < m; i++) {
      const z = Array.from({ length: 8 }, () => gaussian(random));
      for (let j = 0; j < dim; j++) {
        let v = 0.05 * gaussian(random);
        for (let r = 0; r < 8; r++) v += z[r]! * basis[r * dim + j]!;
        out[i * dim + j] = v;
      }
    }
    return out;
  }

  const m = 4000;
  const dim = 128;
  const sets = { mixture: mixture(m, dim, 7), "low-rank": lowRank(m, dim, 8) };
  for (const [name, data] of Object.entries(sets)) {
    for (const metric of ["euclidean", "cosine"] as const) {
      it(`hnsw recall@15 >= 0.95 against exact on the ${name} data (${metric})`, async () => {
        const exact = await knn(data, [m, dim], { k: 15, metric });
        const approx = await knn(data, [m, dim], { k: 15, metric, method: "hnsw" });
        expect(recall(exact.indices, approx.indices, m, 15)).toBeGreaterThanOrEqual(0.95);
        // Each list is nearest first, holds neither the point itself nor a repeat, and carries
        // the true distance of every neighbour it shares with the exact list.
        for (let i = 0; i < m; i++) {
          const row = approx.indices.subarray(i * 15, (i + 1) * 15);
          expect(row.includes(i)).toBe(false);
          expect(new Set(row).size).toBe(15);
          const exactRow = Array.from(exact.indices.subarray(i * 15, (i + 1) * 15));
          for (let j = 0; j < 15; j++) {
            if (j > 0) {
              expect(approx.distances[i * 15 + j]).toBeGreaterThanOrEqual(
                approx.distances[i * 15 + j - 1]!,
              );
            }
            const at = exactRow.indexOf(row[j]!);
            if (at >= 0) {
              expect(approx.distances[i * 15 + j]).toBeCloseTo(exact.distances[i * 15 + at]!, 4);
            }
          }
        }
      });
    }
  }

  it("hnsw with one thread gives the same lists for a seed", async () => {
    const data = sets.mixture.subarray(0, 1500 * dim);
    const run = (seed: number) =>
      knn(data, [1500, dim], { k: 10, method: "hnsw", threads: 1, hnsw: { seed, m: 8 } });
    const a = await run(3);
    const b = await run(3);
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
    expect(Array.from(b.distances)).toEqual(Array.from(a.distances));
  });

  it("hnsw finds the same neighbours with every vector kernel the CPU has", async () => {
    // d = 45 exercises the 32-, 16- and 8-wide loops and each kernel's tail.
    const rows = 1200;
    const width = 45;
    const data = randomMatrix(rows, width, 21);
    const levels = ["baseline", "avx2", "avx512"] as const;
    const best = native().buildInfo().vectorKernels;
    expect(levels).toContain(best);
    const saved = process.env.AUDIOMAP_SIMD;
    try {
      for (const metric of ["euclidean", "cosine"] as const) {
        const exact = bruteForce(data, rows, width, data, 10, metric === "cosine", true);
        for (const level of levels.slice(0, levels.indexOf(best) + 1)) {
          process.env.AUDIOMAP_SIMD = level;
          expect(native().buildInfo().vectorKernels).toBe(level);
          const g = await knn(data, [rows, width], { k: 10, metric, method: "hnsw", threads: 1 });
          let found = 0;
          for (let i = 0; i < rows; i++) {
            const truth = exact[i]!.slice(0, 10);
            for (let j = 0; j < 10; j++) {
              const at = truth.findIndex((t) => t.j === g.indices[i * 10 + j]);
              if (at < 0) continue;
              found++;
              expect(g.distances[i * 10 + j]).toBeCloseTo(truth[at]!.dist, 4);
            }
          }
          expect(found / (rows * 10)).toBeGreaterThanOrEqual(0.97);
        }
      }
      process.env.AUDIOMAP_SIMD = "sse9";
      await expect(knn(data, [rows, width], { k: 5, method: "hnsw" })).rejects.toThrow(
        /AUDIOMAP_SIMD=sse9 is not one of baseline, avx2, avx512/,
      );
    } finally {
      if (saved === undefined) delete process.env.AUDIOMAP_SIMD;
      else process.env.AUDIOMAP_SIMD = saved;
    }
  });

  it("hnsw answers queries and fills every list when the data repeat", async () => {
    // 300 copies of 3 distinct rows: the graph is mostly ties. (With M = 4 hnswlib's pruning
    // cuts one group of copies off the graph; the default M = 24 keeps every group reachable.)
    const rows = 900;
    const data = new Float32Array(rows * 4);
    for (let i = 0; i < rows; i++) data.set([i % 3, (i % 3) * 2, 1, 0], i * 4);
    const g = await knn(data, [rows, 4], { k: 20, method: "hnsw" });
    for (let i = 0; i < rows; i++) {
      const row = g.indices.subarray(i * 20, (i + 1) * 20);
      expect(row.includes(i)).toBe(false);
      for (const j of row) {
        expect(j % 3).toBe(i % 3);
        expect(j).toBeLessThan(rows);
      }
    }
    const q = randomMatrix(20, d, 9);
    const exact = await knn(x, [n, d], { k: 5, queries: q });
    const approx = await knn(x, [n, d], { k: 5, queries: q, method: "hnsw" });
    expect(approx.n).toBe(20);
    expect(recall(exact.indices, approx.indices, 20, 5)).toBeGreaterThanOrEqual(0.95);
  });

  it("hnsw rejects bad options with a RangeError", async () => {
    const bad = [
      { hnsw: { m: 1 } },
      { hnsw: { m: 257 } },
      { hnsw: { efConstruction: 0 } },
      { hnsw: { efSearch: 0 } },
      { device: "cuda" },
    ];
    for (const options of bad) {
      await expect(knn(x, [n, d], { method: "hnsw", ...options })).rejects.toThrow(RangeError);
    }
    await expect(knn(x, [n, d], { method: "hnsw", k: n })).rejects.toThrow(/k=/);
    await expect(knn(x, [n, d], { method: "approx" as never })).rejects.toThrow(
      /supported: exact, hnsw, auto/,
    );
  });

  it('"auto" is exact up to AUTO_EXACT_MAX_POINTS and on CUDA, hnsw above', () => {
    expect(resolveKnnMethod("auto", AUTO_EXACT_MAX_POINTS)).toBe("exact");
    expect(resolveKnnMethod("auto", AUTO_EXACT_MAX_POINTS + 1)).toBe("hnsw");
    expect(resolveKnnMethod("auto", AUTO_EXACT_MAX_POINTS + 1, "cuda:0")).toBe("exact");
    expect(resolveKnnMethod("exact", 10 ** 7)).toBe("exact");
  });

  it("validates shapes, k and the device", async () => {
    await expect(knn(x, [n + 1, d])).rejects.toThrow(RangeError);
    await expect(knn(x, [n, d], { k: n })).rejects.toThrow(/k=/);
    await expect(knn(x, [n, d], { device: "tpu" })).rejects.toThrow(/device/);
  });
});
