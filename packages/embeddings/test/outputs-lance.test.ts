import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lanceEmbeddingOf, searchLance } from "../src/outputs/lance.js";
import { runEmbedding } from "../src/pipeline/run.js";
import { clip, fakeDecode, fakeModel } from "./helpers/fake-model.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-lance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("LanceDB output", () => {
  it("writes a table whose nearest neighbours match a brute-force search", async () => {
    const files = new Map<string, Float32Array>();
    const records = Array.from({ length: 30 }, (_, i) => {
      files.set(`/${i}.wav`, clip(4000 + i * 500, i));
      return { id: `c${i}`, source: { path: `/${i}.wav` }, label: `l${i % 3}` };
    });
    const out = join(dir, "clips.lance");
    const s = await runEmbedding(fakeModel(), records, {
      decode: fakeDecode(files),
      output: out,
      chunkRecords: 8,
      normalize: true,
    });
    expect(s.ok).toBe(30);
    const q = (await lanceEmbeddingOf(out, "c4")) as Float32Array;
    expect(q).toHaveLength(4);
    const hits = await searchLance(out, q, { k: 5 });
    expect(hits[0]?.id).toBe("c4");
    expect(hits[0]?.distance).toBeCloseTo(0, 6);
    // Brute force over every stored vector.
    const all = await Promise.all(
      records.map(async (r) => ({
        id: r.id,
        v: (await lanceEmbeddingOf(out, r.id)) as Float32Array,
      })),
    );
    const d2 = (a: Float32Array, b: Float32Array) =>
      a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0);
    const brute = all
      .sort((a, b) => d2(a.v, q) - d2(b.v, q))
      .slice(0, 5)
      .map((x) => x.id);
    expect(hits.map((h) => h.id)).toEqual(brute);
    expect(hits[1]?.label).toMatch(/^l\d$/);
    // No vector index yet: LanceDB scanned every row, and the hits say so.
    expect(hits[0]?.index).toBeNull();
    const lance = await import("@lancedb/lancedb");
    const conn = await lance.connect(dir);
    const table = await conn.openTable("clips");
    await table.createIndex("embedding", {
      config: lance.Index.ivfFlat({ numPartitions: 2, distanceType: "l2" }),
    });
    table.close();
    conn.close();
    const indexed = await searchLance(out, q, { k: 5 });
    expect(indexed[0]?.index).toMatch(/ivf/i);
    expect(indexed[0]?.id).toBe("c4");
  });
});
