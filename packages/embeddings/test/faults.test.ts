// Faults that used to lose or mix data (issue 17 §1, §4, §7), each reproduced here first.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { writeParquet } from "../src/outputs/parquet.js";
import { runEmbedding } from "../src/pipeline/run.js";
import type { InputRecord } from "../src/pipeline/types.js";
import { clip, fakeDecode, fakeModel } from "./helpers/fake-model.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-faults-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function parquetRows(path: string) {
  const buf = readFileSync(path);
  return parquetReadObjects({
    file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
  });
}

function errorLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("a chunk with no successful record (§1)", () => {
  it("does not stall the Parquet writer: good, missing, good at one record per chunk", async () => {
    const files = new Map([
      ["/a.wav", clip(4000, 1)],
      ["/c.wav", clip(4000, 3)],
    ]);
    const records: InputRecord[] = ["/a.wav", "/b.wav", "/c.wav"].map((path) => ({
      id: path,
      source: { path },
    }));
    const out = join(dir, "stall.parquet");
    const summary = await runEmbedding(fakeModel(), records, {
      decode: fakeDecode(files),
      chunkRecords: 1,
      output: out,
    });
    expect(summary).toMatchObject({ ok: 2, failed: 1 });
    expect((await parquetRows(out)).map((r) => r.id)).toEqual(["/a.wav", "/c.wav"]);
    expect(errorLines(`${out}.errors.jsonl`)).toMatchObject([{ index: 1, code: "ERR_MISSING" }]);
  });

  it("writeParquet skips empty batches between full ones, and writes one empty group for none", async () => {
    const schema = { columns: [{ name: "id", type: "string" as const }], dim: 1 };
    const batch = (ids: string[]) => ({
      records: ids.map((id) => ({ id })),
      embeddings: new Float32Array(ids.length),
      dim: 1,
    });
    async function* some() {
      yield batch(["a"]);
      yield batch([]);
      yield batch([]);
      yield batch(["b", "c"]);
    }
    const out = join(dir, "gaps.parquet");
    expect(await writeParquet(out, schema, some())).toBe(3);
    expect((await parquetRows(out)).map((r) => r.id)).toEqual(["a", "b", "c"]);
    async function* none() {
      yield batch([]);
      yield batch([]);
    }
    const empty = join(dir, "none.parquet");
    expect(await writeParquet(empty, schema, none())).toBe(0);
    expect(await parquetRows(empty)).toEqual([]);
  });
});

describe("model outputs are checked (§4)", () => {
  const files = new Map([
    ["/quiet.wav", clip(6000, 1).map((v) => v * 0.1)],
    ["/loud.wav", clip(6000, 2)],
    ["/quiet2.wav", clip(7000, 3).map((v) => v * 0.1)],
  ]);
  const records: InputRecord[] = [...files.keys()].map((path) => ({ id: path, source: { path } }));

  /** The fake model, but NaN everywhere for a clip whose peak is above 0.5. */
  function nanOnLoud(): ReturnType<typeof fakeModel> {
    const model = fakeModel(4, 5, ["_silence_", "yes"]);
    const forward = model.forward.bind(model);
    model.forward = async (input, options) => {
      const out = await forward(input, options);
      for (let b = 0; b < input.batch; b++) {
        let peak = 0;
        for (let i = 0; i < input.length; i++)
          peak = Math.max(peak, Math.abs(input.audio[b * input.length + i] as number));
        if (peak <= 0.5) continue;
        const width = out.pooled?.shape[2] as number;
        for (let l = 0; l < (out.pooled?.shape[0] as number); l++)
          out.pooled?.data.fill(
            Number.NaN,
            (l * input.batch + b) * width,
            (l * input.batch + b + 1) * width,
          );
        out.logits?.data.fill(Number.NaN, b * 2, b * 2 + 2);
      }
      return out;
    };
    return model;
  }

  it("a NaN output becomes an error row for that clip; the batch's other clips are rows", async () => {
    const out = join(dir, "nan.parquet");
    const summary = await runEmbedding(nanOnLoud(), records, {
      decode: fakeDecode(files),
      output: out,
      predict: true,
    });
    expect(summary).toMatchObject({ ok: 2, failed: 1 });
    const rows = await parquetRows(out);
    expect(rows.map((r) => r.id)).toEqual(["/quiet.wav", "/quiet2.wav"]);
    for (const r of rows) expect((r.embedding as number[]).every(Number.isFinite)).toBe(true);
    expect(errorLines(`${out}.errors.jsonl`)).toMatchObject([
      { index: 1, id: "/loud.wav", stage: "model", code: "ERR_NON_FINITE" },
    ]);
  });

  it("classify gives a NaN clip an error, not a prediction", async () => {
    const { classifyRecords } = await import("../src/kws/classify.js");
    const indexed = records.map((record, index) => ({ index, record }));
    const results = [];
    for await (const r of classifyRecords(nanOnLoud(), indexed, { decode: fakeDecode(files) }))
      results.push(r);
    expect(results.map((r) => r.error?.code ?? "ok")).toEqual(["ok", "ERR_NON_FINITE", "ok"]);
  });

  it("rows of the wrong width (metadata that lies) are error rows, not scrambled rows", async () => {
    const model = fakeModel(4);
    const forward = model.forward.bind(model);
    // The model computes 4 features but says it has 8.
    model.info = { ...model.info, hiddenSize: 8 };
    model.forward = async (input, options) => forward(input, options);
    const out = join(dir, "wide.parquet");
    const summary = await runEmbedding(model, records, { decode: fakeDecode(files), output: out });
    expect(summary).toMatchObject({ ok: 0, failed: 3 });
    expect(errorLines(`${out}.errors.jsonl`).map((e) => e.code)).toEqual([
      "ERR_MODEL_OUTPUT",
      "ERR_MODEL_OUTPUT",
      "ERR_MODEL_OUTPUT",
    ]);
  });
});

describe("arguments that used to throw deep inside (§7)", () => {
  it("a window no longer than its overlap is refused up front", async () => {
    const files = new Map([["/long.wav", clip(16000 * 5, 1)]]);
    const records = [{ id: "long", source: { path: "/long.wav" } }];
    await expect(
      runEmbedding(fakeModel(), records, {
        decode: fakeDecode(files),
        output: join(dir, "window.parquet"),
        windowSeconds: 1,
        overlapSeconds: 1,
      }),
    ).rejects.toMatchObject({
      code: "ERR_INVALID_ARG_VALUE",
      message: /window .* longer than the overlap/,
    });
  });
});

describe("shard environment (§7)", () => {
  it.each([
    [{ SLURM_ARRAY_TASK_ID: "1.5", SLURM_ARRAY_TASK_COUNT: "4" }, "SLURM_ARRAY_TASK_ID"],
    [{ SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "4.0" }, "SLURM_ARRAY_TASK_COUNT"],
    [{ SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "" }, "SLURM_ARRAY_TASK_COUNT"],
    [{ JOB_COMPLETION_INDEX: "0.5", AUDIOMAP_SHARD_COUNT: "2" }, "JOB_COMPLETION_INDEX"],
    [{ JOB_COMPLETION_INDEX: "0", AUDIOMAP_SHARD_COUNT: "2x" }, "AUDIOMAP_SHARD_COUNT"],
  ])("%o is refused, naming %s", async (env, name) => {
    const { shardFromEnv } = await import("../src/pipeline/shard.js");
    expect(() => shardFromEnv(env)).toThrow(new RegExp(`${name}=.* is not a whole number`));
  });
});

describe("outputs are checked before the first forward (§7)", () => {
  const files = new Map([["/a.wav", clip(4000, 1)]]);
  const records = [{ id: "a", source: { path: "/a.wav" } }];

  it("an output that is a folder fails before any clip is decoded, leaving nothing", async () => {
    const { mkdirSync, readdirSync } = await import("node:fs");
    const out = join(dir, "folder.parquet");
    mkdirSync(out);
    let decoded = 0;
    const decode = fakeDecode(files);
    await expect(
      runEmbedding(fakeModel(), records, {
        output: out,
        decode: async (s, o) => {
          decoded++;
          return decode(s, o);
        },
      }),
    ).rejects.toMatchObject({ code: "ERR_OUTPUT_PATH", message: /folder\.parquet is a folder/ });
    expect(decoded).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith("folder.parquet"))).toEqual([
      "folder.parquet",
    ]);
  });

  it("an errors file name taken by a folder, and a Lance name taken by a file, fail the same way", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(join(dir, "e.csv.errors.jsonl"));
    await expect(
      runEmbedding(fakeModel(), records, { output: join(dir, "e.csv"), decode: fakeDecode(files) }),
    ).rejects.toMatchObject({ code: "ERR_OUTPUT_PATH" });
    writeFileSync(join(dir, "t.lance"), "not a table");
    await expect(
      runEmbedding(fakeModel(), records, {
        output: join(dir, "t.lance"),
        decode: fakeDecode(files),
      }),
    ).rejects.toMatchObject({ code: "ERR_OUTPUT_PATH", message: /t\.lance is a file/ });
  });

  it("a folder under a file is ERR_OUTPUT_NOT_WRITABLE, with the reason", async () => {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "plain"), "x");
    await expect(
      runEmbedding(fakeModel(), records, {
        output: join(dir, "plain", "sub", "o.parquet"),
        decode: fakeDecode(files),
      }),
    ).rejects.toMatchObject({ code: "ERR_OUTPUT_NOT_WRITABLE", message: /ENOTDIR/ });
  });
});

describe("sources with broken rows and colliding names (§7)", () => {
  it("a ragged CSV row and a bad JSONL line are error rows in place; the run goes on", async () => {
    const { writeFileSync, mkdirSync } = await import("node:fs");
    const { manifestSource } = await import("../src/datasets/manifest.js");
    const folder = join(dir, "manifest");
    mkdirSync(folder, { recursive: true });
    const files = new Map([
      [join(folder, "a.wav"), clip(4000, 1)],
      [join(folder, "c.wav"), clip(4000, 3)],
    ]);
    writeFileSync(join(folder, "m.csv"), "path,label\na.wav,yes\nb.wav,no,oops\nc.wav,no\n");
    writeFileSync(join(folder, "m.jsonl"), '{"path":"a.wav"}\n{"path": \n{"path":"c.wav"}\n');
    for (const name of ["m.csv", "m.jsonl"]) {
      const out = join(dir, `${name}.parquet`);
      const summary = await runEmbedding(fakeModel(), manifestSource(join(folder, name)), {
        decode: fakeDecode(files),
        output: out,
      });
      expect(summary, name).toMatchObject({ ok: 2, failed: 1 });
      expect((await parquetRows(out)).map((r) => r.index)).toEqual([0n, 2n]);
      expect(errorLines(`${out}.errors.jsonl`)).toMatchObject([
        {
          index: 1,
          id: `${name}:${name === "m.csv" ? 3 : 2}`,
          stage: "source",
          code: "ERR_MANIFEST_ROW",
        },
      ]);
    }
  });

  it("metadata keys index and meta_index both survive, in distinct columns", async () => {
    const files = new Map([["/a.wav", clip(4000, 1)]]);
    const records = [
      { id: "a", source: { path: "/a.wav" }, metadata: { index: "mine", meta_index: "also mine" } },
    ];
    const out = join(dir, "names.parquet");
    await runEmbedding(fakeModel(), records, { decode: fakeDecode(files), output: out });
    const [row] = await parquetRows(out);
    expect(row).toMatchObject({ index: 0n, meta_index: "mine", meta_meta_index: "also mine" });
  });
});
