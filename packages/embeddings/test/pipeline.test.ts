import { describe, expect, it } from "vitest";
import { paddingEfficiency, planBatches } from "../src/pipeline/buckets.js";
import { defaultBatchesInFlight, type EmbeddedChunk, embedRecords } from "../src/pipeline/embed.js";
import { parseLayerSpec } from "../src/pipeline/layers.js";
import { poolWindows } from "../src/pipeline/pooling.js";
import { receptiveField } from "../src/pipeline/prepare.js";
import { prefetchMap } from "../src/pipeline/queue.js";
import { modelBusyShare } from "../src/pipeline/run.js";
import { inShard, parseShard, SHARD_ENV, shardFromEnv } from "../src/pipeline/shard.js";
import { planWindows } from "../src/pipeline/windows.js";
import { clip, fakeDecode, fakeModel } from "./helpers/fake-model.js";

async function collect(gen: AsyncIterable<EmbeddedChunk>) {
  const chunks: EmbeddedChunk[] = [];
  for await (const c of gen) chunks.push(c);
  return chunks;
}

function dataset(lengths: number[]) {
  const files = new Map<string, Float32Array>();
  const records = lengths.map((n, i) => {
    files.set(`/a/${i}.wav`, clip(n, i));
    return {
      index: i,
      record: { id: `c${i}`, source: { path: `/a/${i}.wav` }, label: i % 2 ? "yes" : "no" },
    };
  });
  return { files, records };
}

describe("layer specs", () => {
  it("resolves single, negative, lists and ranges", () => {
    expect(parseLayerSpec("-1", 13)).toEqual({ layers: [12], combine: "single" });
    expect(parseLayerSpec(0, 13)).toEqual({ layers: [0], combine: "single" });
    expect(parseLayerSpec("4,8,-1", 13)).toEqual({ layers: [4, 8, 12], combine: "concat" });
    expect(parseLayerSpec("-4:-1", 13)).toEqual({ layers: [9, 10, 11, 12], combine: "mean" });
    expect(parseLayerSpec("mean:2:3", 13)).toEqual({ layers: [2, 3], combine: "mean" });
  });
  it("rejects out-of-range and malformed specs", () => {
    expect(() => parseLayerSpec("13", 13)).toThrow(/out of range/);
    expect(() => parseLayerSpec("-14", 13)).toThrow(/out of range/);
    expect(() => parseLayerSpec("3:1", 13)).toThrow(/empty/);
    expect(() => parseLayerSpec("a", 13)).toThrow(/bad layer/);
  });
});

describe("bucketing", () => {
  it("keeps every padded batch under the budget and covers each item once", () => {
    const lengths = Array.from({ length: 300 }, (_, i) => 8000 + ((i * 7919) % 120000));
    const batches = planBatches(lengths, { batchSamples: 480000, maxBatch: 64 });
    const seen = batches.flatMap((b) => b.items).sort((a, b) => a - b);
    expect(seen).toEqual(lengths.map((_, i) => i));
    for (const b of batches) {
      expect(b.paddedLength).toBe(Math.max(...b.items.map((i) => lengths[i] as number)));
      if (b.items.length > 1) expect(b.paddedLength * b.items.length).toBeLessThanOrEqual(480000);
    }
    // Sorted buckets pad far less than batching in input order.
    const naive = [];
    for (let i = 0; i < lengths.length; i += 4)
      naive.push({
        items: [i, i + 1, i + 2, i + 3].filter((k) => k < 300),
        paddedLength: Math.max(...lengths.slice(i, i + 4)),
      });
    expect(paddingEfficiency(lengths, batches)).toBeGreaterThan(0.95);
    expect(paddingEfficiency(lengths, naive)).toBeLessThan(0.8);
  });
  it("gives an over-long item a batch of its own", () => {
    const b = planBatches([10, 1000, 10], { batchSamples: 100 });
    expect(b[0]).toEqual({ items: [1], paddedLength: 1000 });
  });
});

describe("windows and pooling", () => {
  it("plans end-aligned overlapping windows", () => {
    expect(planWindows(100, 40, 10)).toEqual([
      { start: 0, end: 40 },
      { start: 30, end: 70 },
      { start: 60, end: 100 },
    ]);
    expect(planWindows(30, 40, 10)).toEqual([{ start: 0, end: 30 }]);
  });
  it("recombines meanstd exactly from window moments", () => {
    const a = [1, 2, 3];
    const b = [5, 9];
    const stats = (x: number[]) => {
      const m = x.reduce((s, v) => s + v, 0) / x.length;
      return [m, Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / x.length)];
    };
    const v = new Float32Array([
      stats(a)[0] as number,
      stats(a)[1] as number,
      stats(b)[0] as number,
      stats(b)[1] as number,
    ]);
    const out = poolWindows(v, [3, 2], 2, "meanstd");
    const all = stats([...a, ...b]);
    expect(out[0]).toBeCloseTo(all[0] as number, 5);
    expect(out[1]).toBeCloseTo(all[1] as number, 5);
    expect(Array.from(poolWindows(new Float32Array([1, 5, 3, 2]), [1, 1], 2, "max"))).toEqual([
      3, 5,
    ]);
  });
  it("computes wav2vec2's receptive field", () => {
    expect(receptiveField([10, 3, 3, 3, 3, 2, 2], [5, 2, 2, 2, 2, 2, 2])).toBe(400);
  });
});

describe("prefetchMap", () => {
  it("keeps order, bounds in-flight work and applies backpressure", async () => {
    let running = 0;
    let maxRunning = 0;
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 50; i++) {
        pulled++;
        yield i;
      }
    }
    const out: number[] = [];
    for await (const v of prefetchMap(
      source(),
      async (i) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, (i * 7) % 5));
        running--;
        return i * 2;
      },
      { concurrency: 3, capacity: 5 },
    )) {
      out.push(v);
      if (v === 0) {
        await new Promise((r) => setTimeout(r, 30));
        expect(pulled).toBeLessThanOrEqual(6);
      }
    }
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(maxRunning).toBeLessThanOrEqual(3);
  });
});

describe("embedRecords", () => {
  const lengths = [16000, 3000, 48000, 8000, 24000, 1200, 32000, 5000, 16000, 70000];

  it("gives each clip the same embedding alone and in any batch, in source order", async () => {
    const { files, records } = dataset(lengths);
    const decode = fakeDecode(files);
    const batched = await collect(
      embedRecords(fakeModel(), records, {
        decode,
        layer: "-2:-1",
        pool: "meanstd",
        batchSeconds: 8,
        chunkRecords: 4,
      }),
    );
    expect(batched.flatMap((c) => c.rows.map((r) => r.id))).toEqual(lengths.map((_, i) => `c${i}`));
    const dim = batched[0]?.dim as number;
    expect(dim).toBe(8);
    for (let i = 0; i < lengths.length; i++) {
      const [alone] = await collect(
        embedRecords(fakeModel(), [records[i] as never], {
          decode,
          layer: "-2:-1",
          pool: "meanstd",
        }),
      );
      const chunk = batched.find((c) => c.rows.some((r) => r.index === i)) as EmbeddedChunk;
      const r = chunk.rows.findIndex((row) => row.index === i);
      const got = chunk.embeddings.subarray(r * dim, (r + 1) * dim);
      for (let d = 0; d < dim; d++)
        expect(Math.abs((got[d] as number) - (alone?.embeddings[d] as number))).toBeLessThan(1e-4);
    }
    // Several clips shared a batch, and the batch sizes differ from one clip per call.
    const model = fakeModel();
    await collect(embedRecords(model, records, { decode, batchSeconds: 8 }));
    expect(Math.max(...model.calls.map((c) => c.length))).toBeGreaterThan(2);
  });

  it("pools long recordings across windows, weighted by valid frames", async () => {
    const { files, records } = dataset([16000 * 7]);
    const decode = fakeDecode(files);
    const [chunk] = await collect(
      embedRecords(fakeModel(), records, { decode, windowSeconds: 3, overlapSeconds: 0.5 }),
    );
    expect(chunk?.rows[0]?.windows).toBe(3);
    // Reference: windows [0,3s) [2.5,5.5s) [4,7s), each pooled by the fake model, frame-weighted.
    const x = files.get("/a/0.wav") as Float32Array;
    const model = fakeModel();
    const ref = new Float64Array(4);
    let total = 0;
    for (const [s, e] of [
      [0, 48000],
      [40000, 88000],
      [64000, 112000],
    ] as const) {
      const out = await model.forward(
        { audio: x.slice(s, e), batch: 1, length: e - s, lengths: new Int32Array([e - s]) },
        { outputs: ["pooled"], layers: [4] },
      );
      const f = Number(out.frameLengths[0]);
      total += f;
      for (let d = 0; d < 4; d++) ref[d] = (ref[d] as number) + f * (out.pooled?.data[d] as number);
    }
    for (let d = 0; d < 4; d++)
      expect(chunk?.embeddings[d]).toBeCloseTo((ref[d] as number) / total, 5);
  });

  it("turns every bad input into an error row and keeps going", async () => {
    const files = new Map<string, Float32Array>([
      ["/ok.wav", clip(8000, 1)],
      ["/empty.wav", new Float32Array(0)],
      ["/nan.wav", Float32Array.from([0, Number.NaN, ...clip(1000, 2)])],
      ["/short.wav", clip(399, 3)],
      ["/corrupt.wav", new Float32Array([-999])],
      ["/ok2.wav", clip(400, 4)],
    ]);
    const names = ["ok", "missing", "empty", "nan", "short", "corrupt", "ok2"];
    const records = names.map((n, index) => ({
      index,
      record: { id: n, source: { path: `/${n}.wav` } },
    }));
    const chunks = await collect(embedRecords(fakeModel(), records, { decode: fakeDecode(files) }));
    const rows = chunks.flatMap((c) => c.rows.map((r) => r.id));
    const errors = chunks.flatMap((c) => c.errors.map((e) => [e.id, e.stage, e.code]));
    expect(rows).toEqual(["ok", "ok2"]);
    expect(errors).toEqual([
      ["missing", "decode", "ERR_MISSING"],
      ["empty", "validate", "ERR_EMPTY"],
      ["nan", "validate", "ERR_NON_FINITE"],
      ["short", "validate", "ERR_TOO_SHORT"],
      ["corrupt", "decode", "ERR_DECODE"],
    ]);
    expect(chunks.flatMap((c) => c.indices)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("isolates a clip that makes the model fail", async () => {
    const { files, records } = dataset([8000, 9000, 10000]);
    const model = fakeModel();
    const forward = model.forward.bind(model);
    model.forward = async (input, options) => {
      if (Array.from(input.lengths).includes(9000))
        throw Object.assign(new Error("boom"), { code: "ERR_FORWARD" });
      return forward(input, options);
    };
    const [chunk] = await collect(embedRecords(model, records, { decode: fakeDecode(files) }));
    expect(chunk?.rows.map((r) => r.id)).toEqual(["c0", "c2"]);
    expect(chunk?.errors).toMatchObject([{ id: "c1", stage: "model", code: "ERR_FORWARD" }]);
  });

  it("splits a batch that runs out of memory, keeps every clip and lowers the budget", async () => {
    const lengths = [8000, 12000, 16000, 9000, 15000, 11000, 13000, 10000];
    const { files, records } = dataset(lengths);
    const reference = await collect(
      embedRecords(fakeModel(), records, { decode: fakeDecode(files), batchSeconds: 60 }),
    );
    // A device that holds at most 32,000 padded samples per call.
    const model = fakeModel();
    const forward = model.forward.bind(model);
    const ooms: number[] = [];
    model.forward = async (input, options) => {
      if (input.batch * input.length > 32000) {
        ooms.push(input.batch * input.length);
        throw Object.assign(new Error("CUDA out of memory"), { code: "ERR_OUT_OF_MEMORY" });
      }
      return forward(input, options);
    };
    const chunks = await collect(
      embedRecords(model, records, {
        decode: fakeDecode(files),
        batchSeconds: 60,
        chunkRecords: 4,
      }),
    );
    expect(ooms.length).toBeGreaterThan(0);
    expect(chunks.flatMap((c) => c.errors)).toEqual([]);
    expect(chunks.flatMap((c) => c.rows.map((r) => r.id))).toEqual(lengths.map((_, i) => `c${i}`));
    const got = Float32Array.from(chunks.flatMap((c) => Array.from(c.embeddings)));
    const want = Float32Array.from(reference.flatMap((c) => Array.from(c.embeddings)));
    expect(got).toEqual(want);
    const [first, second] = chunks;
    expect(first?.stats.oomSplits).toBeGreaterThan(0);
    // The budget dropped after the first chunk, so the second one needed fewer (or no) splits.
    expect(first?.stats.budgetSamples).toBeLessThan(60 * 16000);
    expect(second?.stats.oomSplits ?? 0).toBeLessThan(first?.stats.oomSplits ?? 0);
  });

  it("keeps two batches in flight on a GPU model, with the same results as one", async () => {
    const lengths = [8000, 12000, 16000, 9000, 15000, 11000, 13000, 10000, 14000];
    const { files, records } = dataset(lengths);
    const slow = () => {
      const model = fakeModel();
      const forward = model.forward.bind(model);
      const track = { active: 0, peak: 0 };
      model.forward = async (input, options) => {
        track.peak = Math.max(track.peak, ++track.active);
        await new Promise((r) => setTimeout(r, 2));
        const out = await forward(input, options);
        track.active--;
        return out;
      };
      return { model, track };
    };
    const options = { decode: fakeDecode(files), maxBatch: 2 };
    const one = slow(); // no device: the CPU default, one at a time
    const serial = await collect(embedRecords(one.model, records, options));
    const two = slow();
    const overlapped = await collect(
      embedRecords({ ...two.model, device: "cuda:0" }, records, options),
    );
    const forced = slow();
    await collect(embedRecords(forced.model, records, { ...options, batchesInFlight: 2 }));
    expect(one.track.peak).toBe(1);
    expect(two.track.peak).toBe(2);
    expect(forced.track.peak).toBe(2);
    expect(defaultBatchesInFlight("cpu")).toBe(1);
    expect(defaultBatchesInFlight("cuda:1")).toBe(2);
    expect(overlapped.flatMap((x) => x.rows.map((r) => r.id))).toEqual(
      serial.flatMap((x) => x.rows.map((r) => r.id)),
    );
    const got = Float32Array.from(overlapped.flatMap((x) => Array.from(x.embeddings)));
    expect(got).toEqual(Float32Array.from(serial.flatMap((x) => Array.from(x.embeddings))));
    await expect(
      collect(embedRecords(one.model, records, { ...options, batchesInFlight: 0 })),
    ).rejects.toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
  });

  it("runs the next chunk while the consumer handles the last, and stops it on break", async () => {
    const { files, records } = dataset([8000, 9000, 10000, 11000, 12000, 13000]);
    const model = fakeModel();
    const forward = model.forward.bind(model);
    let calls = 0;
    model.forward = async (input, options) => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return forward(input, options);
    };
    const options = { decode: fakeDecode(files), maxBatch: 1, chunkRecords: 2 };
    const seen: number[] = [];
    for await (const chunk of embedRecords(model, records, options)) {
      const before = calls;
      await new Promise((r) => setTimeout(r, 40)); // a slow write of this chunk
      seen.push(calls - before);
      expect(chunk.rows).toHaveLength(2);
    }
    // While each of the first two chunks was being "written", the next one was in the model.
    expect(seen.slice(0, 2).every((n) => n > 0)).toBe(true);
    expect(calls).toBe(6);
    calls = 0;
    for await (const _ of embedRecords(model, records, options)) break;
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBeLessThan(6); // the chunk running at the break did not run to the end
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it("sums the model's reported run and idle time per chunk", async () => {
    const { files, records } = dataset([8000, 12000, 16000, 9000]);
    const model = fakeModel();
    const forward = model.forward.bind(model);
    let calls = 0;
    model.forward = async (input, options) => ({
      ...(await forward(input, options)),
      timing: { runMs: 10, idleBeforeMs: calls++ === 0 ? null : 4 },
    });
    const [chunk] = await collect(
      embedRecords(model, records, { decode: fakeDecode(files), maxBatch: 1 }),
    );
    expect(chunk?.stats.batches).toBe(4);
    expect(chunk?.stats.modelSec).toBeCloseTo(0.04, 9);
    expect(chunk?.stats.modelIdleSec).toBeCloseTo(0.012, 9); // the first call has no gap
    expect(modelBusyShare(chunk?.stats ?? { modelSec: 0, modelIdleSec: 0 })).toBeCloseTo(
      0.04 / 0.052,
      9,
    );
    const [plain] = await collect(
      embedRecords(fakeModel(), records, { decode: fakeDecode(files) }),
    );
    expect(plain?.stats).toMatchObject({ modelSec: 0, modelIdleSec: 0 });
    expect(modelBusyShare(plain?.stats ?? { modelSec: 1, modelIdleSec: 0 })).toBeNull();
  });

  it("feeds several model copies from one queue and keeps the source order", async () => {
    const lengths = [8000, 12000, 16000, 9000, 15000, 11000, 13000, 10000, 14000];
    const { files, records } = dataset(lengths);
    const options = { decode: fakeDecode(files), maxBatch: 2, chunkRecords: 5 };
    const single = await collect(embedRecords(fakeModel(), records, options));
    const [a, b, c] = [fakeModel(), fakeModel(), fakeModel()];
    const chunks = await collect(embedRecords(a, records, { ...options, replicas: [b, c] }));
    expect(a.calls.length).toBeGreaterThan(0);
    expect(b.calls.length + c.calls.length).toBeGreaterThan(0);
    expect(chunks.flatMap((x) => x.rows.map((r) => r.id))).toEqual(lengths.map((_, i) => `c${i}`));
    const got = Float32Array.from(chunks.flatMap((x) => Array.from(x.embeddings)));
    const want = Float32Array.from(single.flatMap((x) => Array.from(x.embeddings)));
    expect(got).toEqual(want);
    await expect(
      collect(embedRecords(a, records, { ...options, replicas: [fakeModel(8)] })),
    ).rejects.toMatchObject({ code: "ERR_REPLICA_MISMATCH" });
  });

  it("reports a single clip that does not fit as an error row", async () => {
    const { files, records } = dataset([8000, 40000]);
    const model = fakeModel();
    const forward = model.forward.bind(model);
    model.forward = async (input, options) => {
      if (input.batch * input.length > 32000)
        throw Object.assign(new Error("out of memory"), { code: "ERR_OUT_OF_MEMORY" });
      return forward(input, options);
    };
    const [chunk] = await collect(embedRecords(model, records, { decode: fakeDecode(files) }));
    expect(chunk?.rows.map((r) => r.id)).toEqual(["c0"]);
    expect(chunk?.errors).toMatchObject([{ id: "c1", stage: "model", code: "ERR_OUT_OF_MEMORY" }]);
  });

  it("L2-normalises, concatenates layers and returns frames without overlap", async () => {
    const { files, records } = dataset([16000 * 5]);
    const decode = fakeDecode(files);
    const [c] = await collect(
      embedRecords(fakeModel(), records, {
        decode,
        layer: "1,3",
        normalize: true,
        frames: true,
        windowSeconds: 2,
        overlapSeconds: 0.4,
      }),
    );
    expect(c?.dim).toBe(8);
    let n = 0;
    for (let d = 0; d < 8; d++) n += (c?.embeddings[d] as number) ** 2;
    expect(Math.sqrt(n)).toBeCloseTo(1, 5);
    // 5 s at 320 samples/frame is about 250 frames once the overlaps are dropped.
    expect(Math.abs((c?.frames?.counts[0] as number) - 249)).toBeLessThanOrEqual(3);
    expect(c?.frames?.dim).toBe(8);
  });
});

describe("shards", () => {
  it("parses specs and environments", () => {
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
    expect(() => parseShard("8/8")).toThrow(/out of range/);
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "4" })).toEqual({
      index: 3,
      count: 4,
    });
    expect(
      shardFromEnv({
        SLURM_ARRAY_TASK_ID: "4",
        SLURM_ARRAY_TASK_COUNT: "4",
        SLURM_ARRAY_TASK_MIN: "1",
      }),
    ).toEqual({ index: 3, count: 4 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "1", AUDIOMAP_SHARD_COUNT: "3" })).toEqual({
      index: 1,
      count: 3,
    });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: "1" })).toThrow(/AUDIOMAP_SHARD_COUNT/);
    expect(shardFromEnv({})).toBeUndefined();
  });
  it("reads exactly the variables SHARD_ENV names (what job templates are checked against)", () => {
    // Every name shardFromEnv looks up, over environments that take each of its branches.
    const read = new Set<string>();
    const spy = (vars: Record<string, string>) =>
      new Proxy(vars, {
        get: (target, name) => {
          if (typeof name === "string") read.add(name);
          return target[name as string];
        },
      });
    shardFromEnv(spy({ SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2" }));
    shardFromEnv(
      spy({ SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "2", SLURM_ARRAY_TASK_MIN: "1" }),
    );
    shardFromEnv(spy({ JOB_COMPLETION_INDEX: "0", AUDIOMAP_SHARD_COUNT: "2" }));
    expect(shardFromEnv(spy({ AUDIOMAP_SHARD: "1/2" }))).toEqual({ index: 1, count: 2 });
    shardFromEnv(spy({}));
    expect([...read].sort()).toEqual(Object.values(SHARD_ENV).sort());
  });
  it("partitions indices disjointly and completely", () => {
    const all = Array.from({ length: 100 }, (_, k) => k);
    const parts = [0, 1, 2].map((i) => all.filter((k) => inShard(k, { index: i, count: 3 })));
    expect(parts.flat().sort((a, b) => a - b)).toEqual(all);
  });
});
