// Resume, merge and finalisation under faults (issue 17 §2, §3, §6, §7): what a run refuses to
// mix, what merge checks, and how an output set survives a full disk. The kill points are tested
// end to end in test/cli-durability.test.ts (a test cannot SIGKILL its own worker).
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { fingerprintSource } from "../src/datasets/fingerprint.js";
import { readErrors } from "../src/outputs/errors.js";
import { mergeOutputs } from "../src/outputs/merge.js";
import { readFinishedOutput, writeOutputSet } from "../src/outputs/output-set.js";
import { writeParquet } from "../src/outputs/parquet.js";
import { partsDirFor } from "../src/outputs/parts.js";
import { readProvenance } from "../src/outputs/provenance.js";
import { type RunOptions, runEmbedding } from "../src/pipeline/run.js";
import type { InputRecord } from "../src/pipeline/types.js";
import { clip, fakeDecode, fakeModel } from "./helpers/fake-model.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-durability-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.AUDIOMAP_TEST_ENOSPC;
});

const N = 30;
const files = new Map<string, Float32Array>();
const records: InputRecord[] = [];
for (let i = 0; i < N; i++) {
  const path = `/d/${i}.wav`;
  if (i !== 4 && i !== 17) files.set(path, clip(3000 + ((i * 2711) % 20000), i)); // 4, 17 missing
  records.push({ id: `clip-${i}`, source: { path }, metadata: { take: i } });
}
const labels = ["quiet", "loud"];
const model = () => fakeModel(4, 5, labels);
const source = { kind: "folder", files: N, bytes: 1000, sha256: "a".repeat(64) };
const base = {
  decode: fakeDecode(files),
  chunkRecords: 5,
  batchSeconds: 4,
  provenance: {
    model: "m.pt",
    model_sha256: "1".repeat(64),
    dtype: "float32",
    source,
    source_path: "/d",
  },
} satisfies Partial<RunOptions>;

async function rows(path: string) {
  const buf = readFileSync(path);
  return parquetReadObjects({
    file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
  });
}

/** Starts a run into `out` and stops it after a few chunks, as a kill would. */
async function interrupted(out: string, options: Partial<RunOptions> = {}): Promise<void> {
  const controller = new AbortController();
  let decoded = 0;
  const decode: RunOptions["decode"] = async (src, o) => {
    if (++decoded === 22) controller.abort(new Error("killed"));
    return base.decode(src, o);
  };
  await expect(
    runEmbedding(model(), records, {
      ...base,
      ...options,
      decode,
      prefetch: 1,
      output: out,
      signal: controller.signal,
    }),
  ).rejects.toThrow();
  const parts = readdirSync(partsDirFor(out)).filter((n) => /^part-\d+\.json$/.test(n));
  expect(parts.length).toBeGreaterThan(0);
  expect(existsSync(out)).toBe(false);
}

/** Every setting that changes a row, changed one at a time, with the field a refusal names. */
const changed: [string, Partial<RunOptions>][] = [
  ["layer", { layer: "2" }],
  ["pool", { pool: "max" }],
  ["normalize", { normalize: true }],
  ["frames", { frames: true }],
  ["predict", { predict: true }],
  ["window_sec", { windowSeconds: 1 }],
  ["overlap_sec", { overlapSeconds: 0.5 }],
  ["max_seconds", { decodeLimits: { maxSeconds: 60 } }],
  ["allow_truncated", { decodeLimits: { allowTruncated: true } }],
  ["shard", { shard: { index: 0, count: 2 } }],
  ["dtype", { provenance: { ...base.provenance, dtype: "bfloat16" } }],
  ["model_sha256", { provenance: { ...base.provenance, model_sha256: "2".repeat(64) } }],
  ["model", { provenance: { ...base.provenance, model: "other.pt" } }],
  ["source.files", { provenance: { ...base.provenance, source: { ...source, files: N + 5 } } }],
  ["source.sha256", { provenance: { ...base.provenance, source: { ...source, sha256: "b" } } }],
  ["source.split", { provenance: { ...base.provenance, source: { ...source, split: "test" } } }],
  [
    "source.label_column",
    { provenance: { ...base.provenance, source: { ...source, label_column: "intent" } } },
  ],
  ["source_path", { provenance: { ...base.provenance, source_path: "/elsewhere" } }],
  ["settings", { manifest: { max_seconds: 10 } }],
];

/** Resumes `out` with each of `changed`; every one must be refused, naming its field. */
async function expectEachRefused(out: string, message: (field: string) => RegExp) {
  for (const [field, options] of changed) {
    const err = await runEmbedding(model(), records, {
      ...base,
      ...options,
      output: out,
      resume: true,
    }).catch((e: Error) => e);
    expect((err as { code?: string }).code, field).toBe("ERR_RESUME_MISMATCH");
    expect((err as Error).message, field).toMatch(message(field));
  }
}

describe("resume refuses what it would mix (§2)", () => {
  it("refuses an interrupted run resumed with any setting or the source changed, naming it", async () => {
    const out = join(dir, "cut.parquet");
    await interrupted(out);
    await expectEachRefused(out, (field) => new RegExp(`interrupted run .*\\b${field}: `));
    expect(existsSync(out)).toBe(false);
    // With the same settings it continues, to exactly what one uninterrupted run writes.
    const whole = join(dir, "whole.parquet");
    await runEmbedding(model(), records, { ...base, output: whole });
    const s = await runEmbedding(model(), records, { ...base, output: out, resume: true });
    expect(s.resumedFrom).toBeGreaterThan(0);
    expect(await rows(out)).toEqual(await rows(whole));
    expect(readFileSync(`${out}.errors.jsonl`, "utf8")).toBe(
      readFileSync(`${whole}.errors.jsonl`, "utf8"),
    );
  });

  it("refuses a finished output resumed with other settings; the same reports its own counts (§7)", async () => {
    const out = join(dir, "done.parquet");
    await runEmbedding(model(), records, { ...base, output: out });
    const before = readFileSync(out);
    await expectEachRefused(out, (field) => new RegExp(`is complete .*\\b${field}: `));
    expect(readFileSync(out).equals(before)).toBe(true);
    const m = model();
    const s = await runEmbedding(m, records, { ...base, output: out, resume: true });
    expect(s).toMatchObject({ alreadyComplete: true, ok: N - 2, failed: 2, resumedFrom: N });
    expect(m.calls).toEqual([]);
  });

  it("refuses to resume a finished output whose errors file is missing or not its own", async () => {
    const out = join(dir, "lost.parquet");
    await runEmbedding(model(), records, { ...base, output: out });
    writeFileSync(`${out}.errors.jsonl`, "{}\n");
    await expect(
      runEmbedding(model(), records, { ...base, output: out, resume: true }),
    ).rejects.toMatchObject({
      code: "ERR_OUTPUT_INCOMPLETE",
      message: expect.stringContaining("not the one written with it"),
    });
    rmSync(`${out}.errors.jsonl`);
    await expect(
      runEmbedding(model(), records, { ...base, output: out, resume: true }),
    ).rejects.toThrow(/errors file .* is missing/);
  });
});

describe("the source's identity", () => {
  it("follows the listing and the index files' content, not the location or other files", async () => {
    const root = join(dir, "src");
    mkdirSync(join(root, "yes"), { recursive: true });
    mkdirSync(join(root, "no"), { recursive: true });
    for (let i = 0; i < 4; i++)
      writeFileSync(join(root, i % 2 ? "yes" : "no", `${i}.wav`), "x".repeat(100 + i));
    writeFileSync(join(root, "validation_list.txt"), "yes/1.wav\n");
    const id = () => fingerprintSource(root, "speech-commands");
    const first = await id();
    expect(first).toMatchObject({ files: 5, bytes: 406 + 10 });
    // A copy elsewhere is the same source; files the layout does not read do not count.
    cpSync(root, join(dir, "copy"), { recursive: true });
    expect(await fingerprintSource(join(dir, "copy"), "speech-commands")).toEqual(first);
    writeFileSync(join(root, "README.md"), "notes");
    writeFileSync(join(root, ".DS_Store"), "junk");
    expect(await id()).toEqual(first);
    // An output written inside the source, with its parts, is left out when excluded.
    mkdirSync(join(root, "emb.parquet.parts"));
    writeFileSync(join(root, "emb.parquet.parts", "part-0.wav"), "y");
    const exclude = (p: string) => p.startsWith(join(root, "emb.parquet"));
    expect(await fingerprintSource(root, "speech-commands", { exclude })).toEqual(first);
    rmSync(join(root, "emb.parquet.parts"), { recursive: true });
    // A split list edited in place at the same size, a clip added, a clip resized: all differ.
    writeFileSync(join(root, "validation_list.txt"), "yes/3.wav\n");
    const edited = await id();
    expect(edited.sha256).not.toBe(first.sha256);
    writeFileSync(join(root, "yes", "9.wav"), "z");
    expect((await id()).files).toBe(6);
    rmSync(join(root, "yes", "9.wav"));
    writeFileSync(join(root, "no", "0.wav"), "x".repeat(99));
    expect((await id()).sha256).not.toBe(edited.sha256);
  });

  it("hashes a manifest's content and a Parquet file's footer", async () => {
    const manifest = join(dir, "list.csv");
    writeFileSync(manifest, "path,label\na.wav,yes\n");
    const m1 = await fingerprintSource(manifest, "manifest");
    writeFileSync(manifest, "path,label\na.wav,no!\n");
    expect((await fingerprintSource(manifest, "manifest")).sha256).not.toBe(m1.sha256);
    const schema = { columns: [{ name: "id", type: "string" as const }], dim: 1 };
    const pq = join(dir, "data.parquet");
    const write = async (ids: string[]) =>
      writeParquet(
        pq,
        schema,
        (async function* () {
          yield {
            records: ids.map((id) => ({ id })),
            embeddings: new Float32Array(ids.length),
            dim: 1,
          };
        })(),
      );
    await write(["a", "b"]);
    const p1 = await fingerprintSource(pq, "parquet");
    await write(["a", "c"]);
    const p2 = await fingerprintSource(pq, "parquet");
    expect(p2.sha256).not.toBe(p1.sha256);
    await write(["a", "b"]);
    expect(await fingerprintSource(pq, "parquet")).toEqual(p1);
  });
});

/** Runs every shard of `count` into `<name>-<i>.parquet`. */
async function shards(name: string, count: number, recs = records, options = {}) {
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = join(dir, `${name}-${i}.parquet`);
    await runEmbedding(model(), recs, {
      ...base,
      ...options,
      output: out,
      shard: { index: i, count },
    });
    paths.push(out);
  }
  return paths;
}

describe("merge checks that the shards are one run, whole (§3)", () => {
  it("refuses a missing shard, a shard twice and shards of two splits, writing nothing", async () => {
    const [s0, s1] = await shards("m2", 2);
    const [t0, , t2] = await shards("m3", 3);
    const out = join(dir, "m.parquet");
    const refusal = (inputs: string[]) => mergeOutputs(inputs, out).catch((e: Error) => e);
    expect(await refusal([s0 as string])).toMatchObject({
      code: "ERR_MERGE_SHARDS",
      message: "missing shard 1/2: merge needs all 2 shards",
    });
    expect(await refusal([s0 as string, s0 as string])).toMatchObject({
      code: "ERR_MERGE_SHARDS",
      message: expect.stringContaining("shard 0/2 is given twice"),
    });
    expect(await refusal([t0 as string, t2 as string])).toMatchObject({
      message: "missing shard 1/3: merge needs all 3 shards",
    });
    expect(await refusal([s0 as string, s1 as string, t2 as string])).toMatchObject({
      code: "ERR_MERGE_SHARDS",
      message: expect.stringContaining("not shards of one split"),
    });
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.errors.jsonl`)).toBe(false);
    // The output is replaced as a set, so it cannot also be an input.
    expect(
      await mergeOutputs([s0 as string, s1 as string], s0 as string).catch((e) => e),
    ).toMatchObject({
      code: "ERR_USAGE",
    });
    expect(await readFinishedOutput(s0 as string, "parquet")).not.toBeNull();
  });

  it("refuses shards of another source or made with other settings", async () => {
    const [a0] = await shards("src-a", 2);
    const other = { ...base.provenance, source: { ...source, sha256: "c".repeat(64) } };
    const [, b1] = await shards("src-b", 2, records, { provenance: other });
    await expect(
      mergeOutputs([a0 as string, b1 as string], join(dir, "x.parquet")),
    ).rejects.toMatchObject({
      code: "ERR_MERGE_MISMATCH",
      message: expect.stringContaining(`source.sha256: "${"a".repeat(64)}" ≠ "${"c".repeat(64)}"`),
    });
  });

  it("merges empty shards: a slice with no record, and one whose every record failed", async () => {
    // 6 records in 7 shards: shard 6 holds nothing; shard 1 holds record 1 only, which is missing.
    const few = records
      .slice(0, 6)
      .map((r, i) => (i === 1 ? { ...r, source: { path: "/gone.wav" } } : r));
    const parts = await shards("empty", 7, few);
    const whole = join(dir, "empty-whole.parquet");
    await runEmbedding(model(), few, { ...base, output: whole });
    expect(await readProvenance(parts[6] as string)).toMatchObject({ rows: 0, errors: 0 });
    expect(await readProvenance(parts[1] as string)).toMatchObject({ rows: 0, errors: 1 });
    const out = join(dir, "empty-merged.parquet");
    expect(await mergeOutputs(parts.reverse(), out)).toMatchObject({
      rows: 4,
      errors: 2,
      inputs: 7,
    });
    const [a, b] = [await rows(whole), await rows(out)];
    expect(b.map((r) => r.id)).toEqual(a.map((r) => r.id));
    expect(b.map((r) => r.embedding)).toEqual(a.map((r) => r.embedding));
    expect(await readErrors(`${out}.errors.jsonl`)).toEqual(
      await readErrors(`${whole}.errors.jsonl`),
    );
    expect(await readFinishedOutput(out, "parquet")).toMatchObject({ rows: 4, errors: 2 });
  });

  it("refuses shards whose rows do not cover the source exactly once, leaving no output", async () => {
    const [s0, s1] = await shards("cov", 2);
    // A shard 1 that lost a row but whose provenance still agrees: the merge finds the hole.
    const p1 = (await readProvenance(s1 as string)) as NonNullable<
      Awaited<ReturnType<typeof readProvenance>>
    >;
    const kept = (await rows(s1 as string)).filter((r) => r.index !== 9n);
    const forge = async (recs: Record<string, unknown>[]) => {
      const path = join(dir, "forged-1.parquet");
      await writeOutputSet({
        format: "parquet",
        output: path,
        schema: {
          columns: [
            { name: "index", type: "int64" },
            { name: "id", type: "string" },
          ],
          dim: 4,
        },
        batches: (async function* () {
          yield {
            records: recs.map((r) => ({ index: Number(r.index), id: r.id })),
            embeddings: Float32Array.from(recs.flatMap((r) => r.embedding as number[])),
            dim: 4,
          };
        })(),
        errors: await readErrors(`${s1}.errors.jsonl`),
        provenance: { ...p1, rows: recs.length },
      });
      return path;
    };
    const out = join(dir, "cov.parquet");
    await expect(mergeOutputs([s0 as string, await forge(kept)], out)).rejects.toMatchObject({
      code: "ERR_MERGE",
      message: expect.stringContaining("source index 9 is in no shard"),
    });
    expect(existsSync(out) || existsSync(`${out}.errors.jsonl`)).toBe(false);
    // A row of shard 0 inside shard 1.
    const all = await rows(s1 as string);
    const stray = [all[0], { ...(await rows(s0 as string))[1], index: 2n }, ...all.slice(1)];
    await expect(mergeOutputs([s0 as string, await forge(stray)], out)).rejects.toThrow(
      /holds a row for source index 2, which belongs to shard 0\/2, not 1\/2/,
    );
  });

  it("refuses a shard that is not a complete output set", async () => {
    const [s0, s1] = await shards("inc", 2);
    rmSync(`${s1}.errors.jsonl`);
    await expect(
      mergeOutputs([s0 as string, s1 as string], join(dir, "inc.parquet")),
    ).rejects.toMatchObject({
      code: "ERR_OUTPUT_INCOMPLETE",
      message: expect.stringContaining("is missing"),
    });
  });
});

describe("the output and its errors file commit together (§6)", () => {
  it("after ENOSPC on either, no output sits beside another run's errors file; resume finishes", async () => {
    const out = join(dir, "full.parquet");
    // An earlier run into the same name, with other error rows.
    await runEmbedding(model(), records.slice(0, 10), { ...base, output: out });
    const later = records.slice(3);
    const reference = join(dir, "full-reference.parquet");
    await runEmbedding(model(), later, { ...base, output: reference });
    // A full disk while a chunk commits: that chunk is lost, the ones before it are kept.
    process.env.AUDIOMAP_TEST_ENOSPC = "part-000000000005.json";
    await expect(runEmbedding(model(), later, { ...base, output: out })).rejects.toMatchObject({
      code: "ENOSPC",
    });
    const parts = readdirSync(partsDirFor(out)).filter((n) => n.endsWith(".json"));
    expect(parts).toEqual(["manifest.json", "part-000000000000.json"]);
    // Until finalisation starts, the earlier run's set stays whole.
    expect(await readFinishedOutput(out, "parquet")).toMatchObject({ rows: 9, errors: 1 });
    for (const file of ["full.parquet.errors.jsonl", "full.parquet"]) {
      process.env.AUDIOMAP_TEST_ENOSPC = file;
      await expect(
        runEmbedding(model(), later, { ...base, output: out, resume: true }),
      ).rejects.toMatchObject({ code: "ENOSPC" });
      delete process.env.AUDIOMAP_TEST_ENOSPC;
      // No commit file: no output to be read beside an errors file that is not its own.
      expect(await readFinishedOutput(out, "parquet")).toBeNull();
      expect(existsSync(partsDirFor(out))).toBe(true);
      expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([]);
    }
    const s = await runEmbedding(model(), later, { ...base, output: out, resume: true });
    expect(s.resumedFrom).toBe(later.length);
    expect(await rows(out)).toEqual(await rows(reference));
    expect(readFileSync(`${out}.errors.jsonl`, "utf8")).toBe(
      readFileSync(`${reference}.errors.jsonl`, "utf8"),
    );
    expect(await readFinishedOutput(out, "parquet")).toMatchObject({ rows: later.length - 2 });
  });

  it("commits an .npy set by its sidecar, written last", async () => {
    const out = join(dir, "set.npy");
    process.env.AUDIOMAP_TEST_ENOSPC = "set.npy.audiomap.json";
    await expect(runEmbedding(model(), records, { ...base, output: out })).rejects.toThrow(
      /ENOSPC/,
    );
    delete process.env.AUDIOMAP_TEST_ENOSPC;
    // The data files are there, but without the sidecar the set is not complete.
    expect(existsSync(out) && existsSync(join(dir, "set.jsonl"))).toBe(true);
    expect(await readFinishedOutput(out, "npy")).toBeNull();
    await runEmbedding(model(), records, { ...base, output: out, resume: true });
    expect(await readFinishedOutput(out, "npy")).toMatchObject({ rows: N - 2, errors: 2 });
  });

  it("a later run deletes what killed runs left, and nothing a running one writes", async () => {
    const out = join(dir, "left.parquet");
    const dead = spawnSync("true").pid as number;
    const stale = [
      `.left.parquet.tmp-${dead}-abc123`,
      `.left.parquet.errors.jsonl.tmp-${dead}-def456`,
    ];
    for (const n of stale) writeFileSync(join(dir, n), "half");
    mkdirSync(join(dir, `left.parquet.parts.trash-${dead}`));
    writeFileSync(join(dir, `left.parquet.parts.trash-${dead}`, "part-0.json"), "{}");
    // pid 1 is running: its temp may be mid-write, and stays.
    const live = ".left.parquet.tmp-1-0a0b0c";
    writeFileSync(join(dir, live), "busy");
    await runEmbedding(model(), records, { ...base, output: out });
    const left = readdirSync(dir).filter(
      (n) => n.startsWith(".left.") || n.startsWith("left.parquet.parts"),
    );
    expect(left).toEqual([live]);
    expect(statSync(join(dir, live)).size).toBe(4);
  });
});
