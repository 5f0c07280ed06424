import { describe, expect, it } from "vitest";
import { knn } from "../src/index.js";
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

  it("approx finds nearly all neighbours when the data are low-rank", async () => {
    // 3-dimensional structure embedded in 100 dimensions: the PCA projection keeps it all.
    const random = seededRandom(4);
    const m = 2000;
    const basis = Array.from({ length: 3 * 100 }, () => random() - 0.5);
    const y = new Float32Array(m * 100);
    for (let i = 0; i < m; i++) {
      const z = [random(), random(), random()];
      for (let c = 0; c < 100; c++) {
        y[i * 100 + c] = z[0]! * basis[c]! + z[1]! * basis[100 + c]! + z[2]! * basis[200 + c]!;
      }
    }
    const exact = await knn(y, [m, 100], { k: 10 });
    const approx = await knn(y, [m, 100], { k: 10, method: "approx" });
    let hits = 0;
    for (let i = 0; i < m; i++) {
      const truth = new Set(exact.indices.subarray(i * 10, i * 10 + 10));
      for (const j of approx.indices.subarray(i * 10, i * 10 + 10)) if (truth.has(j)) hits++;
    }
    expect(hits / (m * 10)).toBeGreaterThan(0.99);
  });

  it("validates shapes, k and the device", async () => {
    await expect(knn(x, [n + 1, d])).rejects.toThrow(RangeError);
    await expect(knn(x, [n, d], { k: n })).rejects.toThrow(/k=/);
    await expect(knn(x, [n, d], { device: "tpu" })).rejects.toThrow(/device/);
  });
});
