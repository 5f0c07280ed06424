import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { SchemaBuilder } from "../src/outputs/columns.js";
import { errorsPathFor } from "../src/outputs/errors.js";
import { formatFromPath, resolveOutputFormat } from "../src/outputs/format.js";
import { mergeOutputs } from "../src/outputs/merge.js";
import { npyHeader } from "../src/outputs/npy.js";
import { writeParquet } from "../src/outputs/parquet.js";
import { partsDirFor } from "../src/outputs/parts.js";
import { provenanceConflicts, readProvenance } from "../src/outputs/provenance.js";
import { runEmbedding } from "../src/pipeline/run.js";
import type { InputRecord } from "../src/pipeline/types.js";
import { clip, fakeDecode, fakeModel } from "./helpers/fake-model.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 40;
const files = new Map<string, Float32Array>();
const records: InputRecord[] = [];
for (let i = 0; i < N; i++) {
  const path = `/d/${i}.wav`;
  if (i === 7)
    files.set(path, new Float32Array(100)); // too short
  else if (i !== 13) files.set(path, clip(2000 + ((i * 3911) % 30000), i)); // 13 is missing
  records.push({
    id: `clip-${i}`,
    source: { path },
    label: i % 3 === 0 ? "yes" : "no",
    metadata: { speaker: `s${i % 4}`, take: i, index: "clash", extra: i % 2 ? { a: i } : null },
  });
}
const decode = fakeDecode(files);
const opts = { decode, chunkRecords: 6, batchSeconds: 4 };

async function readParquetRows(path: string) {
  const buf = readFileSync(path);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return { rows: await parquetReadObjects({ file }), meta: parquetMetadata(file) };
}

function py(code: string): string {
  return execFileSync("/usr/bin/python3", ["-c", code], { encoding: "utf8" });
}

describe("parquet output", () => {
  it("writes every metadata column and a fixed-size float32 embedding, readable by hyparquet", async () => {
    const out = join(dir, "a.parquet");
    const summary = await runEmbedding(fakeModel(), records, { ...opts, output: out });
    expect(summary).toMatchObject({ ok: N - 2, failed: 2, dim: 4, format: "parquet" });
    expect(summary.paddingEfficiency).toBeGreaterThan(0.5);
    expect(existsSync(partsDirFor(out))).toBe(false);
    const { rows } = await readParquetRows(out);
    expect(rows.map((r) => r.id)).toEqual(
      records.filter((_, i) => i !== 7 && i !== 13).map((r) => r.id),
    );
    const r0 = rows[0] as Record<string, unknown>;
    expect(Object.keys(r0)).toEqual([
      "index",
      "id",
      "path",
      "label",
      "duration_sec",
      "sample_rate",
      "channels",
      "windows",
      "speaker",
      "take",
      "meta_index",
      "extra",
      "embedding",
    ]);
    expect(r0).toMatchObject({
      index: 0n,
      path: "/d/0.wav",
      label: "yes",
      speaker: "s0",
      // Whole numbers are written as INT64 (hyparquet reads them as bigint).
      take: 0n,
      meta_index: "clash",
      extra: null,
      sample_rate: 16000,
    });
    expect(rows[1]?.extra).toBe('{"a":1}');
    expect((r0.embedding as number[]).length).toBe(4);
    // The embedding equals the model's pooled output for that clip alone.
    const x = files.get("/d/0.wav") as Float32Array;
    const ref = await fakeModel().forward(
      { audio: x, batch: 1, length: x.length, lengths: new Int32Array([x.length]) },
      { outputs: ["pooled"], layers: [4] },
    );
    (r0.embedding as number[]).forEach((v, d) => {
      expect(Math.abs(v - (ref.pooled?.data[d] as number))).toBeLessThan(1e-6);
    });
    const errors = readFileSync(join(dir, "a.parquet.errors.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(errors).toMatchObject([
      { index: 7, id: "clip-7", stage: "validate", code: "ERR_TOO_SHORT" },
      { index: 13, id: "clip-13", stage: "decode", code: "ERR_MISSING", path: "/d/13.wav" },
    ]);
  });

  it("flushes row groups as batches stream in", async () => {
    const out = join(dir, "groups.parquet");
    async function* batches() {
      for (let b = 0; b < 4; b++) {
        yield {
          records: [0, 1, 2].map((k) => ({ index: b * 3 + k, id: `r${b * 3 + k}` })),
          embeddings: new Float32Array(6).fill(b),
          dim: 2,
        };
      }
    }
    const schema = {
      columns: [
        { name: "index", type: "int64" as const },
        { name: "id", type: "string" as const },
      ],
      dim: 2,
    };
    expect(await writeParquet(out, schema, batches(), { rowGroupRows: 3 })).toBe(12);
    const { rows, meta } = await readParquetRows(out);
    expect(meta.row_groups.length).toBe(4);
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => `r${i}`));
    expect(rows[11]?.embedding).toEqual([3, 3]);
  });

  it("writes prediction and prediction_score after the fixed columns with predict", async () => {
    const out = join(dir, "pred.parquet");
    const model = fakeModel(4, 5, ["_silence_", "yes"]);
    const withClash = records.slice(0, 6).map((r) => ({
      ...r,
      metadata: { ...r.metadata, prediction: "from the source" },
    }));
    const summary = await runEmbedding(model, withClash, { ...opts, output: out, predict: true });
    const { rows } = await readParquetRows(out);
    expect(rows).toHaveLength(summary.ok);
    const keys = Object.keys(rows[0] as object);
    expect(keys.slice(8, 10)).toEqual(["prediction", "prediction_score"]);
    expect(keys).toContain("meta_prediction"); // a metadata key of that name is kept, renamed
    for (const r of rows) {
      expect(["_silence_", "yes"]).toContain(r.prediction);
      expect(r.prediction_score).toBeGreaterThanOrEqual(0.5); // the top of two labels
      expect(r.prediction_score).toBeLessThanOrEqual(1);
      expect(r.meta_prediction).toBe("from the source");
    }
    // Resuming without predict would mix rows with and without predictions.
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const cut = join(dir, "pred-cut.parquet");
    await expect(
      runEmbedding(model, records, {
        ...opts,
        output: cut,
        predict: true,
        signal: controller.signal,
      }),
    ).rejects.toThrow();
    await expect(
      runEmbedding(model, records, { ...opts, output: cut, resume: true }),
    ).rejects.toThrow(/different settings/);
  });

  it("writes frames as a list of fixed-size vectors", async () => {
    const out = join(dir, "frames.parquet");
    await runEmbedding(fakeModel(), records.slice(0, 3), { ...opts, output: out, frames: true });
    const { rows } = await readParquetRows(out);
    const frames = rows[0]?.frames as number[][];
    const n = files.get("/d/0.wav")?.length as number;
    expect(frames.length).toBe(Math.floor((n - 400) / 320) + 1);
    expect(frames[0]?.length).toBe(4);
  });
});

describe("npy output", () => {
  it("is loadable by numpy, with jsonl metadata in the same order", async () => {
    const out = join(dir, "b.npy");
    await runEmbedding(fakeModel(), records, { ...opts, output: out });
    const pq = await readParquetRows(join(dir, "a.parquet"));
    const res = JSON.parse(
      py(`import numpy as np, json
a = np.load(${JSON.stringify(out)})
meta = [json.loads(l) for l in open(${JSON.stringify(join(dir, "b.jsonl"))})]
print(json.dumps({"shape": a.shape, "dtype": str(a.dtype), "ids": [m["id"] for m in meta], "row5": a[5].tolist()}))`),
    );
    expect(res.shape).toEqual([N - 2, 4]);
    expect(res.dtype).toBe("float32");
    expect(res.ids).toEqual(pq.rows.map((r) => r.id));
    (res.row5 as number[]).forEach((v, d) => {
      expect(v).toBeCloseTo(
        ((pq.rows[5] as Record<string, unknown>).embedding as number[])[d] as number,
        6,
      );
    });
  });
  it("writes a header numpy accepts for any row count", () => {
    const h = npyHeader(123456789012, 768);
    expect(h.length % 64).toBe(0);
    expect(Buffer.from(h.subarray(10)).toString("latin1")).toContain("(123456789012, 768)");
  });
});

describe("output names", () => {
  it("take the format from the extension, and refuse a --format that contradicts it", () => {
    expect(
      ["a.parquet", "a.csv", "a.npy", "db/t.lance", "db/t.lance/", "a.jsonl", "A.CSV"].map((p) =>
        resolveOutputFormat(p),
      ),
    ).toEqual(["parquet", "csv", "npy", "lance", "lance", "jsonl", "csv"]);
    expect(formatFromPath("emb.bin")).toBeNull();
    expect(resolveOutputFormat("emb.bin", "npy")).toBe("npy");
    expect(resolveOutputFormat("emb.npy", "npy")).toBe("npy");
    expect(() => resolveOutputFormat("emb2.parquet", "npy")).toThrow(
      expect.objectContaining({ code: "ERR_FORMAT_MISMATCH" }),
    );
    expect(() => resolveOutputFormat("emb.bin")).toThrow(
      expect.objectContaining({ code: "ERR_FORMAT_UNKNOWN" }),
    );
  });

  it("give every output its own errors file", () => {
    const names = ["emb.parquet", "emb.npy", "emb.csv", "db/emb.lance", "emb.jsonl"];
    const errors = names.map(errorsPathFor);
    expect(new Set(errors).size).toBe(names.length);
    expect(errors[0]).toBe("emb.parquet.errors.jsonl");
    expect(errorsPathFor("db/emb.lance/")).toBe("db/emb.lance.errors.jsonl");
  });
});

describe("csv and jsonl outputs", () => {
  it("hold the same rows and exactly the same float32 vectors as Parquet, read by Python", async () => {
    const pq = await readParquetRows(join(dir, "a.parquet"));
    const csv = join(dir, "c.csv");
    const jsonl = join(dir, "c.jsonl");
    for (const out of [csv, jsonl]) {
      const s = await runEmbedding(fakeModel(), records, { ...opts, output: out });
      expect(s).toMatchObject({
        ok: N - 2,
        failed: 2,
        format: out.endsWith(".csv") ? "csv" : "jsonl",
      });
      expect(readFileSync(errorsPathFor(out), "utf8")).toBe(
        readFileSync(join(dir, "a.parquet.errors.jsonl"), "utf8"),
      );
    }
    // Python's own csv and json modules, and numpy's float32: an independent reader.
    const res = JSON.parse(
      py(`import csv, json, numpy as np
rows = list(csv.DictReader(open(${JSON.stringify(csv)}, newline="")))
dim = sum(1 for k in rows[0] if k.startswith("embedding_"))
c = np.array([[float(r[f"embedding_{j}"]) for j in range(dim)] for r in rows], dtype=np.float32)
lines = [json.loads(l) for l in open(${JSON.stringify(jsonl)})]
j = np.array([l["embedding"] for l in lines], dtype=np.float32)
print(json.dumps({"header": list(rows[0].keys())[:9], "ids": [r["id"] for r in rows],
  "jids": [l["id"] for l in lines], "speaker": [r["speaker"] for r in rows],
  "csv": c.tolist(), "jsonl": j.tolist()}))`),
    );
    expect(res.header).toEqual([
      "index",
      "id",
      "path",
      "label",
      "duration_sec",
      "sample_rate",
      "channels",
      "windows",
      "speaker",
    ]);
    expect(res.ids).toEqual(pq.rows.map((r) => r.id));
    expect(res.jids).toEqual(pq.rows.map((r) => r.id));
    expect(res.speaker).toEqual(pq.rows.map((r) => r.speaker));
    // Bit-exact: 9 significant digits give every float32 back.
    const exact = pq.rows.map((r) => Array.from(Float32Array.from(r.embedding as number[])));
    expect(res.csv).toEqual(exact);
    expect(res.jsonl).toEqual(exact);
  });

  it("merge back into the single-run output", async () => {
    const shards = [0, 1].map((i) => join(dir, `t${i}.${i ? "jsonl" : "csv"}`));
    for (const [i, out] of shards.entries())
      await runEmbedding(fakeModel(), records, {
        ...opts,
        output: out,
        shard: { index: i, count: 2 },
      });
    const merged = join(dir, "tm.parquet");
    expect(await mergeOutputs(shards, merged)).toMatchObject({ rows: N - 2, errors: 2 });
    const a = await readParquetRows(join(dir, "a.parquet"));
    const b = await readParquetRows(merged);
    expect(b.rows.map((r) => r.id)).toEqual(a.rows.map((r) => r.id));
    b.rows.forEach((row, i) => {
      expect(row.embedding).toEqual(a.rows[i]?.embedding);
    });
  });
});

describe("resume", () => {
  it("continues after an interruption without duplicates or gaps", async () => {
    const out = join(dir, "r.parquet");
    const controller = new AbortController();
    let seen = 0;
    const flaky = async (
      src: string | Uint8Array,
      o: { targetRate: number; signal?: AbortSignal },
    ) => {
      if (++seen === 30) controller.abort(new Error("killed"));
      return decode(src, o);
    };
    await expect(
      runEmbedding(fakeModel(), records, {
        ...opts,
        decode: flaky,
        output: out,
        prefetch: 2,
        signal: controller.signal,
      }),
    ).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partsDirFor(out))).toBe(true);
    const model = fakeModel();
    const s = await runEmbedding(model, records, { ...opts, output: out, resume: true });
    expect(s.resumedFrom).toBeGreaterThan(0);
    expect(s.resumedFrom).toBeLessThan(N);
    // Only the remaining clips went through the model.
    expect(model.calls.flat().length).toBeLessThan(N - 2);
    const a = await readParquetRows(join(dir, "a.parquet"));
    const r = await readParquetRows(out);
    expect(r.rows.map((x) => x.id)).toEqual(a.rows.map((x) => x.id));
    r.rows.forEach((row, i) => {
      (row.embedding as number[]).forEach((v, d) => {
        expect(
          Math.abs(
            v - (((a.rows[i] as Record<string, unknown>).embedding as number[])[d] as number),
          ),
        ).toBeLessThan(1e-5);
      });
    });
    expect(readFileSync(join(dir, "r.parquet.errors.jsonl"), "utf8")).toBe(
      readFileSync(join(dir, "a.parquet.errors.jsonl"), "utf8"),
    );
  });
  it("refuses to resume with different settings", async () => {
    const out = join(dir, "m.parquet");
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(
      runEmbedding(fakeModel(), records, {
        ...opts,
        output: out,
        signal: controller.signal,
        manifest: { pool: "mean" },
      }),
    ).rejects.toThrow();
    await expect(
      runEmbedding(fakeModel(), records, {
        ...opts,
        output: out,
        resume: true,
        manifest: { pool: "max" },
      }),
    ).rejects.toThrow(/different settings/);
  });
});

describe("shards and merge", () => {
  it("merges N shards into exactly the single-run output", async () => {
    const shards = [0, 1, 2].map((i) => join(dir, `s${i}.parquet`));
    for (const [i, out] of shards.entries()) {
      const s = await runEmbedding(fakeModel(), records, {
        ...opts,
        output: out,
        shard: { index: i, count: 3 },
      });
      expect(s.ok + s.failed).toBe(records.filter((_, k) => k % 3 === i).length);
    }
    const merged = join(dir, "merged.parquet");
    const m = await mergeOutputs(shards, merged, { batchRows: 7 });
    expect(m).toMatchObject({ rows: N - 2, errors: 2, inputs: 3 });
    const a = await readParquetRows(join(dir, "a.parquet"));
    const b = await readParquetRows(merged);
    expect(b.rows.map((r) => r.id)).toEqual(a.rows.map((r) => r.id));
    expect(b.rows.map((r) => r.speaker)).toEqual(a.rows.map((r) => r.speaker));
    b.rows.forEach((row, i) => {
      expect(row.embedding).toEqual(a.rows[i]?.embedding);
    });
    expect(readFileSync(join(dir, "merged.parquet.errors.jsonl"), "utf8")).toBe(
      readFileSync(join(dir, "a.parquet.errors.jsonl"), "utf8"),
    );
    // npy shards merge too, into parquet.
    const npyShards = [0, 1].map((i) => join(dir, `n${i}.npy`));
    for (const [i, out] of npyShards.entries())
      await runEmbedding(fakeModel(), records, {
        ...opts,
        output: out,
        shard: { index: i, count: 2 },
      });
    const m2 = join(dir, "merged2.parquet");
    await mergeOutputs(npyShards, m2);
    const c = await readParquetRows(m2);
    expect(c.rows.map((r) => r.id)).toEqual(a.rows.map((r) => r.id));
    await expect(
      mergeOutputs([shards[0] as string, shards[0] as string], join(dir, "bad.parquet")),
    ).rejects.toThrow(/twice/);
  });
});

describe("provenance", () => {
  it("is stored in the Parquet key-value metadata and agreed on by merge", async () => {
    const out = join(dir, "pv.parquet");
    await runEmbedding(fakeModel(), records, {
      ...opts,
      output: out,
      provenance: { model: "m.pt", command: ["embed"] },
    });
    const { meta } = await readParquetRows(out);
    const p = JSON.parse(meta.key_value_metadata?.find((e) => e.key === "audiomap")?.value ?? "");
    expect(p).toMatchObject({
      model: "m.pt",
      layer: "-1",
      pool: "mean",
      dim: 4,
      format: "parquet",
    });
    expect(await readProvenance(out)).toEqual(p);
    // Shard, command and format may differ between parts; nothing else may.
    expect(provenanceConflicts(p, { ...p, shard: { index: 1, count: 2 }, command: ["x"] })).toEqual(
      [],
    );
    expect(provenanceConflicts(p, { ...p, pool: "max", dim: 8 })).toEqual([
      'pool: "mean" ≠ "max"',
      "dim: 4 ≠ 8",
    ]);
  });
});

describe("progress", () => {
  it("moves with every batch, before the first chunk commits, and ends exact", async () => {
    const seen: number[] = [];
    await runEmbedding(fakeModel(), records, {
      ...opts,
      chunkRecords: 1000, // one chunk for the whole run: it commits only at the end
      output: join(dir, "progress.parquet"),
      sourceSize: N,
      onProgress: (p) => seen.push(p.done),
    });
    expect(seen.some((d) => d > 0 && d < N - 2)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.at(-1)).toBe(N);
  });
});

describe("SchemaBuilder", () => {
  it("types whole numbers as int64, widens to float64 on a fraction, lets declared types win", () => {
    const b = new SchemaBuilder({ score: "float64" });
    b.add({ n: 1, x: 2, score: 3, flag: true, s: null });
    b.add({ n: 2, x: 2.5, score: 4, flag: false, s: "a" });
    const types = Object.fromEntries(b.columns().map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      n: "int64",
      x: "float64",
      score: "float64",
      flag: "bool",
      s: "string",
    });
  });

  it("merging int64 and float64 parts gives float64, not text", () => {
    const b = new SchemaBuilder();
    b.addColumns([{ name: "v", type: "int64" }]);
    b.addColumns([{ name: "v", type: "float64" }]);
    b.addColumns([{ name: "w", type: "int64" }]);
    b.addColumns([{ name: "w", type: "string" }]);
    const types = Object.fromEntries(b.columns().map((c) => [c.name, c.type]));
    expect(types).toMatchObject({ v: "float64", w: "string" });
  });
});
