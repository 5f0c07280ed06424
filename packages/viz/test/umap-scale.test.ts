// UMAP at scale (issue 19 §2-3): the multi-threaded (Hogwild) layout SGD, fit on a sample +
// transform, and saved models.
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loadUmapModel,
  saveUmapModel,
  trustworthiness,
  UmapModelFileError,
  umap,
} from "../src/index.js";
import { sampleIndices, takeRows } from "../src/metrics/sample.js";
import { seededRandom } from "../src/umap/random.js";

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

const n = 3000;
const d = 16;
const x = mixture(n, d, 8, 5);
const trust = (emb: Float32Array, data = x, rows = n) =>
  trustworthiness(data, [rows, d], emb, [rows, 2], { nNeighbors: 15 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "audiomap-umap-scale-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// Several full fits per test on a shared 2-core machine: more time than the default minute.
const SLOW = 300_000;

describe("multi-threaded layout SGD", () => {
  it(
    "keeps threads: 1 bit-reproducible and lays out as well with 2 and 4 threads (within 0.01)",
    async () => {
      const one = await umap(x, [n, d], { seed: 11, threads: 1 });
      const again = await umap(x, [n, d], { seed: 11 });
      expect(again.embedding).toEqual(one.embedding);
      const base = await trust(one.embedding);
      expect(base).toBeGreaterThan(0.9);
      for (const threads of [2, 4]) {
        const many = await umap(x, [n, d], { seed: 11, threads });
        // Hogwild draws its negative samples per edge, so even without races it is another layout.
        expect(many.embedding).not.toEqual(one.embedding);
        const t = await trust(many.embedding);
        console.log(
          `trustworthiness: 1 thread ${base.toFixed(4)}, ${threads} threads ${t.toFixed(4)}`,
        );
        expect(Math.abs(t - base)).toBeLessThan(0.01);
      }
    },
    SLOW,
  );

  it("reports progress, stops on abort and rejects a bad thread count", async () => {
    const seen: number[] = [];
    await umap(x, [n, d], { seed: 2, threads: 2, nEpochs: 60, onProgress: (e) => seen.push(e) });
    expect(seen).toEqual([20, 40, 60]);
    const controller = new AbortController();
    const run = umap(x, [n, d], {
      seed: 2,
      threads: 2,
      signal: controller.signal,
      onProgress: (e) => e >= 20 && controller.abort(new Error("stop here")),
    });
    await expect(run).rejects.toThrow("stop here");
    await expect(umap(x, [n, d], { threads: -1 })).rejects.toThrow(
      /threads must be in \[0, 1024\]/,
    );
  });
});

describe("fit on a sample + transform", () => {
  it(
    "fits the sample as umap() of those rows and places every other row, in input order",
    async () => {
      const size = 1200;
      const r = await umap(x, [n, d], { seed: 7, fitSample: size });
      expect(r.shape).toEqual([n, 2]);
      expect(r.timings.transform).toBeGreaterThan(0);
      const rows = sampleIndices(n, size, 7);
      const fit = await umap(takeRows(x, d, rows), [size, d], { seed: 7 });
      expect(takeRows(r.embedding, 2, rows)).toEqual(fit.embedding);
      const inSample = new Set(rows);
      const rest = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !inSample.has(i));
      const placed = await fit.model.transform(takeRows(x, d, rest));
      expect(takeRows(r.embedding, 2, rest)).toEqual(placed);
      // The placed rows keep the structure about as well as a fit on every row.
      const full = await trust((await umap(x, [n, d], { seed: 7 })).embedding);
      const sampled = await trust(r.embedding);
      console.log(
        `trustworthiness: full fit ${full.toFixed(4)}, fit on 1,200 + transform ${sampled.toFixed(4)}`,
      );
      expect(sampled).toBeGreaterThan(full - 0.03);
    },
    SLOW,
  );

  it(
    "gives a transform whose result does not depend on the thread count",
    async () => {
      const fit = await umap(x.subarray(0, 1000 * d), [1000, d], { seed: 3 });
      const points = x.subarray(1000 * d);
      const one = await fit.model.transform(points, { threads: 1 });
      expect(await fit.model.transform(points, { threads: 3 })).toEqual(one);
      expect(await fit.model.transform(points, { threads: 0 })).toEqual(one);
      expect(await trust(one, points, n - 1000)).toBeGreaterThan(0.85);
    },
    SLOW,
  );

  it("rejects a bad sample size and the umap-js engine", async () => {
    await expect(umap(x, [n, d], { fitSample: 1.5 })).rejects.toThrow(/whole number >= 2/);
    await expect(umap(x, [n, d], { fitSample: 100, engine: "umap-js" })).rejects.toThrow(
      /"native" or "fast"/,
    );
  });
});

describe("saved UMAP models", () => {
  let fitted: Awaited<ReturnType<typeof umap>>;
  let path: string;
  const points = x.subarray(2000 * d);
  beforeAll(async () => {
    fitted = await umap(x.subarray(0, 2000 * d), [2000, d], { seed: 5, metric: "cosine" });
    path = join(dir, "model.umap");
    await saveUmapModel(fitted.model, path);
  });

  it("loads back a model whose transform equals the in-memory one, bit for bit", async () => {
    const loaded = await loadUmapModel(path);
    expect(loaded.nComponents).toBe(2);
    expect(loaded.cols).toBe(d);
    const expected = await fitted.model.transform(points);
    expect(await loaded.transform(points)).toEqual(expected);
    // Saving the loaded model gives the same file.
    const copy = join(dir, "copy.umap");
    await loaded.save(copy);
    expect(readFileSync(copy).equals(readFileSync(path))).toBe(true);
  });

  it("fails with a clear error on a wrong, newer, truncated or corrupt file", async () => {
    const bytes = readFileSync(path);
    const variant = (name: string, edit: (b: Buffer) => Buffer) => {
      const p = join(dir, name);
      writeFileSync(p, edit(Buffer.from(bytes)));
      return loadUmapModel(p);
    };
    await expect(variant("text.umap", () => Buffer.from("x,y\n1,2\n"))).rejects.toThrow(
      /not an audiomap UMAP model file/,
    );
    await expect(
      variant("newer.umap", (b) => {
        b.writeUInt32LE(2, 12);
        return b;
      }),
    ).rejects.toThrow(/format version 2; this audiomap reads versions 1-1/);
    await expect(variant("short.umap", (b) => b.subarray(0, b.length - 4))).rejects.toThrow(
      /truncated or corrupt/,
    );
    await expect(
      variant("flipped.umap", (b) => {
        b[b.length - 3]! ^= 0x40;
        return b;
      }),
    ).rejects.toThrow(/do not match their checksums/);
    await expect(
      variant("header.umap", (b) => {
        b[22] = "!".charCodeAt(0);
        return b;
      }),
    ).rejects.toThrow(UmapModelFileError);
  });

  it("refuses to save a model of an engine whose transform a file cannot reproduce", async () => {
    const fast = await umap(x.subarray(0, 500 * d), [500, d], { engine: "fast", nEpochs: 20 });
    await expect(fast.model.save(join(dir, "fast.umap"))).rejects.toThrow(/"fast" engine/);
  });
});
