/**
 * The pipeline with the real runtime and the masked-padding fixture model (fixtures/tiny.pt):
 * a clip's embedding is the same alone and in any batch.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadModel, type Model } from "@audiomap/core-native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyRecords } from "../src/kws/classify.js";
import { type EmbeddedChunk, embedRecords } from "../src/pipeline/embed.js";
import { clip, fakeDecode } from "./helpers/fake-model.js";

const TINY = fileURLToPath(new URL("../../../fixtures/tiny.pt", import.meta.url));
let model: Model;

beforeAll(async () => {
  if (!existsSync(TINY)) throw new Error(`${TINY} is missing: run \`bash scripts/fixtures.sh\``);
  model = await loadModel(TINY, { device: "cpu", threads: 1 });
});
afterAll(() => model?.dispose());

async function embedAll(lengths: number[], options: Record<string, unknown>) {
  const files = new Map<string, Float32Array>();
  const records = lengths.map((n, i) => {
    files.set(`/${i}`, clip(n, i + 1));
    return { index: i, record: { id: `c${i}`, source: { path: `/${i}` } } };
  });
  const chunks: EmbeddedChunk[] = [];
  for await (const c of embedRecords(model, records, { decode: fakeDecode(files), ...options }))
    chunks.push(c);
  return chunks;
}

describe("pipeline with the tiny fixture model", () => {
  const lengths = [16000, 400, 5200, 31000, 12345, 800, 24000, 9999];

  it("gives the same embeddings with two batches in flight, and counts the model's time", async () => {
    const serial = await embedAll(lengths, { maxBatch: 2, batchesInFlight: 1 });
    const overlapped = await embedAll(lengths, { maxBatch: 2, batchesInFlight: 2 });
    const flat = (chunks: EmbeddedChunk[]) =>
      Float32Array.from(chunks.flatMap((c) => Array.from(c.embeddings)));
    expect(flat(overlapped)).toEqual(flat(serial));
    for (const [c] of [serial, overlapped]) {
      expect(c?.stats.batches).toBeGreaterThan(2);
      expect(c?.stats.modelSec).toBeGreaterThan(0);
      expect(c?.stats.modelIdleSec).toBeGreaterThanOrEqual(0);
    }
  });

  it("predict: the head's probabilities equal classifyRecords', from the same forward pass", async () => {
    const labels = model.info.labels as string[];
    expect(labels.length).toBeGreaterThan(1);
    // 1-s windows without overlap, as classify cuts them: the 1.9-s and 1.5-s clips have two.
    const options = { maxBatch: 3, windowSeconds: 1, overlapSeconds: 0 };
    const plain = await embedAll(lengths, options);
    const predicted = await embedAll(lengths, { ...options, predict: true });
    const flat = (chunks: EmbeddedChunk[]) =>
      Float32Array.from(chunks.flatMap((c) => Array.from(c.embeddings)));
    expect(flat(predicted)).toEqual(flat(plain)); // the embeddings do not change
    expect(plain[0]?.scores).toBeUndefined();
    expect(plain[0]?.rows[0]?.prediction).toBeUndefined();

    const files = new Map<string, Float32Array>();
    const records = lengths.map((n, i) => {
      files.set(`/${i}`, clip(n, i + 1));
      return { index: i, record: { id: `c${i}`, source: { path: `/${i}` } } };
    });
    const reference = [];
    for await (const r of classifyRecords(model, records, {
      decode: fakeDecode(files),
      topK: labels.length,
      windowSeconds: 1,
    }))
      reference.push(r);

    const rows = predicted.flatMap((c) => c.rows);
    const scores = predicted.flatMap((c) => {
      const s = c.scores as { data: Float32Array; labels: string[] };
      expect(s.labels).toEqual(labels);
      return c.rows.map((_, r) => s.data.subarray(r * labels.length, (r + 1) * labels.length));
    });
    expect(rows.map((r) => r.id)).toEqual(reference.map((r) => r.id));
    expect(rows.filter((r) => r.windows > 1).length).toBeGreaterThan(0);
    let worst = 0;
    rows.forEach((row, i) => {
      const ref = reference[i]?.top ?? [];
      expect(row.prediction).toBe(ref[0]?.label);
      expect(row.predictionScore).toBeCloseTo(ref[0]?.score ?? Number.NaN, 6);
      for (const { label, score } of ref) {
        const mine = scores[i]?.[labels.indexOf(label)] as number;
        worst = Math.max(worst, Math.abs(mine - score));
      }
    });
    expect(worst).toBeLessThan(1e-6);
  });

  it("predict needs a model with a head", async () => {
    const base = await loadModel(TINY.replace("tiny.pt", "tiny-base.pt"), { device: "cpu" });
    try {
      const run = embedRecords(base, [], { decode: fakeDecode(new Map()), predict: true });
      await expect(run.next()).rejects.toMatchObject({ code: "ERR_NO_HEAD" });
    } finally {
      base.dispose();
    }
  });

  it.each([
    ["mean", "-1"],
    ["meanstd", "0:-1"],
    ["max", "1,2"],
  ] as const)(
    "gives each clip the same %s embedding (layers %s) alone and batched",
    async (pool, layer) => {
      const batched = await embedAll(lengths, { pool, layer, batchSeconds: 8, maxBatch: 8 });
      const dim = batched[0]?.dim as number;
      const all = batched.flatMap((c) =>
        c.rows.map((_, r) => c.embeddings.slice(r * dim, (r + 1) * dim)),
      );
      expect(all).toHaveLength(lengths.length);
      let worst = 0;
      for (let i = 0; i < lengths.length; i++) {
        // embedAll seeds clip i with i + 1; the same clip, alone in its batch:
        const files = new Map([["/x", clip(lengths[i] as number, i + 1)]]);
        const single: EmbeddedChunk[] = [];
        for await (const c of embedRecords(
          model,
          [{ index: 0, record: { id: "x", source: { path: "/x" } } }],
          { decode: fakeDecode(files), pool, layer },
        ))
          single.push(c);
        const a = single[0]?.embeddings as Float32Array;
        const b = all[i] as Float32Array;
        for (let d = 0; d < dim; d++)
          worst = Math.max(worst, Math.abs((a[d] as number) - (b[d] as number)));
      }
      expect(worst).toBeLessThan(1e-4);
    },
  );
});
