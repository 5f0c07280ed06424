import { describe, expect, it } from "vitest";
import { adjustedRandIndex, kmeans, umap } from "../src/index.js";
import { seededRandom } from "../src/umap/random.js";

/** Well-separated Gaussian blobs: `k` centres 10 apart in `d` dims, unit noise. */
function blobs(n: number, d: number, k: number, seed: number) {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: k * d }, () => gauss() * 10);
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % k;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[y[i]! * d + j]! + gauss();
  }
  return { x, y };
}

describe("umap", () => {
  const n = 300;
  const d = 16;
  const { x, y } = blobs(n, d, 3, 1);

  it("the fast engine reproduces umap-js's layout bit for bit", async () => {
    const opts = { seed: 7, nEpochs: 60, nNeighbors: 10 };
    const fast = await umap(x, [n, d], { ...opts, engine: "fast" });
    const reference = await umap(x, [n, d], { ...opts, engine: "umap-js" });
    expect(fast.embedding).toEqual(reference.embedding);
  });

  it("is supervised like umap-js too", async () => {
    const opts = { seed: 3, nEpochs: 40, labels: y };
    const fast = await umap(x, [n, d], { ...opts, engine: "fast" });
    const reference = await umap(x, [n, d], { ...opts, engine: "umap-js" });
    expect(fast.embedding).toEqual(reference.embedding);
  });

  it("same seed gives the same layout; another seed a different one", async () => {
    const a = await umap(x, [n, d], { seed: 11, nEpochs: 50 });
    const b = await umap(x, [n, d], { seed: 11, nEpochs: 50 });
    const c = await umap(x, [n, d], { seed: 12, nEpochs: 50 });
    expect(a.embedding).toEqual(b.embedding);
    expect(a.embedding).not.toEqual(c.embedding);
  });

  it("separates the blobs (k-means on the 2-D layout recovers them) in 2-D and 3-D", async () => {
    for (const nComponents of [2, 3] as const) {
      const r = await umap(x, [n, d], { seed: 1, nComponents, metric: "cosine" });
      expect(r.shape).toEqual([n, nComponents]);
      const km = await kmeans(r.embedding, r.shape, { k: 3, seed: 0 });
      expect(adjustedRandIndex(y, km.labels)).toBe(1);
    }
  });

  it("transform places new points next to their blob", async () => {
    const fit = await umap(x, [n, d], { seed: 5 });
    // Same seed, so same centres; rows 300..329 are points the fit never saw.
    const more = blobs(n + 30, d, 3, 1);
    const extra = { x: more.x.subarray(n * d), y: more.y.subarray(n) };
    const placed = await fit.model.transform(extra.x);
    expect(placed.length).toBe(30 * 2);
    // Nearest fitted point of every placed point has the same blob label.
    let agree = 0;
    for (let i = 0; i < 30; i++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let j = 0; j < n; j++) {
        const dx = placed[2 * i]! - fit.embedding[2 * j]!;
        const dy = placed[2 * i + 1]! - fit.embedding[2 * j + 1]!;
        if (dx * dx + dy * dy < bestD) {
          bestD = dx * dx + dy * dy;
          best = j;
        }
      }
      if (y[best] === extra.y[i]) agree++;
    }
    expect(agree).toBe(30);
  });

  it("rejects too few points", async () => {
    await expect(umap(x.subarray(0, 10 * d), [10, d])).rejects.toThrow(/nNeighbors/);
  });
});
