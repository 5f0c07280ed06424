/**
 * End to end: `audiomap embed/classify/merge/search/info` on generated audio with the tiny
 * fixture model, checked against Python torch (embeddings, logits), numpy (.npy) and hyparquet
 * (an independent Parquet reader).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cli,
  cliAsync,
  makeManyClips,
  makeMixedFolder,
  PY,
  ROOT,
  requireBuilt,
  TINY,
} from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-e2e-"));
const audio = join(dir, "audio");
const many = join(dir, "many");
let files: ReturnType<typeof makeMixedFolder>;
const common = [
  "--model",
  TINY,
  "--window",
  "4",
  "--overlap",
  "1",
  "--device",
  "cpu",
  "--threads",
  "1",
];

beforeAll(() => {
  requireBuilt();
  files = makeMixedFolder(audio);
  makeManyClips(many, 120);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  const buf = readFileSync(path);
  return parquetReadObjects({
    file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
  });
}

function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
}

describe("audiomap embed", () => {
  it("embeds a mixed folder, accounts for every file and matches Python torch", async () => {
    const out = join(dir, "mixed.parquet");
    const r = cli(["embed", audio, "-o", out, ...common, "--json"]);
    expect(r.code, r.stderr).toBe(3); // finished with error rows
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ ok: files.good.length, failed: files.bad.length, dim: 32 });
    const rows = await readParquet(out);
    expect(rows.map((x) => String(x.id).split("/").pop()).sort()).toEqual(files.good);
    const errors = readFileSync(join(dir, "mixed.parquet.errors.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(errors.map((e) => String(e.path).split("/").pop()).sort()).toEqual(files.bad.sort());
    const byName = (n: string) => errors.find((e) => String(e.path).endsWith(n));
    expect(byName("short.wav")).toMatchObject({ stage: "validate", code: "ERR_TOO_SHORT" });
    expect(byName("corrupt.wav")?.stage).toBe("decode");
    for (const e of errors) expect(e.reason.length).toBeGreaterThan(0);
    // Metadata columns.
    const long = rows.find((x) => String(x.id).endsWith("long16k.flac")) as Record<string, unknown>;
    expect(long.windows).toBe(3);
    expect(long.duration_sec).toBeCloseTo(9, 3);
    expect(rows.find((x) => String(x.id).endsWith("noise44k-stereo.wav"))).toMatchObject({
      sample_rate: 44100,
      channels: 2,
    });
    // Independent reference for the 16 kHz single-window clips.
    const ref = JSON.parse(
      execFileSync(
        PY,
        [join(ROOT, "test/helpers/ref_model.py"), TINY, ...files.ref16k.map((f) => join(audio, f))],
        { encoding: "utf8" },
      ),
    );
    for (const f of files.ref16k) {
      const row = rows.find((x) => String(x.id).endsWith(f)) as Record<string, unknown>;
      expect(maxDiff(row.embedding as number[], ref[join(audio, f)].pooled)).toBeLessThan(1e-4);
    }
  });

  it("--devices runs one model copy per device and gives the same rows", async () => {
    const out = join(dir, "devices.parquet");
    const args = common.filter((a, i) => a !== "--device" && common[i - 1] !== "--device");
    const r = cli(["embed", many, "-o", out, ...args, "--devices", "cpu,cpu", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: 120, failed: 0, devices: ["cpu", "cpu"] });
    const single = join(dir, "devices-single.parquet");
    expect(cli(["embed", many, "-o", single, ...common, "-q"]).code).toBe(0);
    const a = await readParquet(out);
    const b = await readParquet(single);
    expect(a.map((x) => x.id)).toEqual(b.map((x) => x.id));
    for (let i = 0; i < a.length; i++) {
      expect(maxDiff(a[i]?.embedding as number[], b[i]?.embedding as number[])).toBeLessThan(1e-5);
    }
    const bad = cli(["embed", many, "-o", join(dir, "x.parquet"), ...args, "--devices", "cpu,"]);
    expect(bad.code).toBe(2);
  });

  it("writes .npy + .jsonl that numpy loads, equal to the Parquet output", async () => {
    const out = join(dir, "mixed.npy");
    const r = cli(["embed", audio, "-o", out, ...common, "-q"]);
    expect(r.code, r.stderr).toBe(3);
    const np = JSON.parse(
      execFileSync(
        PY,
        [
          "-c",
          `import numpy as np, json; a = np.load(${JSON.stringify(out)}); print(json.dumps({"shape": a.shape, "dtype": str(a.dtype), "rows": a.tolist()}))`,
        ],
        {
          encoding: "utf8",
        },
      ),
    );
    expect(np.dtype).toBe("float32");
    const rows = await readParquet(join(dir, "mixed.parquet"));
    expect(np.shape).toEqual([rows.length, 32]);
    const meta = readFileSync(join(dir, "mixed.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(meta.map((m) => m.id)).toEqual(rows.map((x) => x.id));
    rows.forEach((row, i) => {
      expect(maxDiff(np.rows[i], row.embedding as number[])).toBeLessThan(1e-5);
    });
  });

  it("applies --layer, --pool and --normalize", async () => {
    const out = join(dir, "opts.parquet");
    const r = cli([
      "embed",
      audio,
      "-o",
      out,
      ...common,
      "--layer",
      "0:-1",
      "--pool",
      "meanstd",
      "--normalize",
      "-q",
    ]);
    expect(r.code, r.stderr).toBe(3);
    const rows = await readParquet(out);
    const v = rows[0]?.embedding as number[];
    expect(v).toHaveLength(64);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it("resumes after SIGKILL to exactly the uninterrupted output", async () => {
    const full = join(dir, "full.parquet");
    const args = [...common, "--chunk-size", "6", "-q"];
    expect(cli(["embed", many, "-o", full, ...args]).code).toBe(0);
    const out = join(dir, "killed.parquet");
    const child = cliAsync(["embed", many, "-o", out, ...args]);
    const parts = `${out}.parts`;
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const committed = existsSync(parts)
          ? readdirSync(parts).filter((n) => n.endsWith(".json") && n.startsWith("part-"))
          : [];
        if (committed.length >= 3) {
          clearInterval(timer);
          child.kill("SIGKILL");
          resolve();
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(timer);
        reject(new Error("the run finished before it could be killed"));
      });
    });
    await new Promise((r) => child.on("exit", r));
    expect(existsSync(out)).toBe(false);
    const r = cli(["embed", many, "-o", out, ...args, "--resume", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.resumedFrom).toBeGreaterThanOrEqual(18);
    expect(summary.resumedFrom).toBeLessThan(120);
    const a = await readParquet(full);
    const b = await readParquet(out);
    expect(b.map((x) => x.id)).toEqual(a.map((x) => x.id));
    expect(b.map((x) => x.index)).toEqual(a.map((x) => x.index));
    b.forEach((row, i) => {
      expect(maxDiff(row.embedding as number[], a[i]?.embedding as number[])).toBeLessThan(1e-5);
    });
    expect(existsSync(`${out}.parts`)).toBe(false);
  });

  it("splits into shards (flag and SLURM env) that merge back to one run", async () => {
    const args = [...common, "--chunk-size", "16", "-q"];
    const shards = [0, 1, 2].map((i) => join(dir, `shard${i}.parquet`));
    expect(cli(["embed", many, "-o", shards[0] as string, ...args, "--shard", "0/3"]).code).toBe(0);
    expect(
      cli(["embed", many, "-o", shards[1] as string, ...args], {
        SLURM_ARRAY_TASK_ID: "1",
        SLURM_ARRAY_TASK_COUNT: "3",
      }).code,
    ).toBe(0);
    expect(
      cli(["embed", many, "-o", shards[2] as string, ...args, "--shard-count", "3"], {
        JOB_COMPLETION_INDEX: "2",
      }).code,
    ).toBe(0);
    const sizes = await Promise.all(shards.map(async (s) => (await readParquet(s)).length));
    expect(sizes).toEqual([40, 40, 40]);
    const merged = join(dir, "merged.parquet");
    const m = cli(["merge", ...shards, "-o", merged, "--json"]);
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ rows: 120, errors: 0, inputs: 3 });
    const a = await readParquet(join(dir, "full.parquet"));
    const b = await readParquet(merged);
    expect(b.map((x) => x.id)).toEqual(a.map((x) => x.id));
    b.forEach((row, i) => {
      expect(maxDiff(row.embedding as number[], a[i]?.embedding as number[])).toBeLessThan(1e-4);
    });
  });

  it("reports usage errors with exit code 2 and a missing model with 1", () => {
    const bad = cli(["embed", audio, "-o", join(dir, "x.parquet"), ...common, "--layer", "7"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/out of range/);
    expect(cli(["embed", audio, "-o", join(dir, "x.parquet"), "--shard", "3/3"]).code).toBe(2);
    expect(cli(["embed", audio]).code).toBe(2);
    const missing = cli([
      "embed",
      audio,
      "-o",
      join(dir, "x.parquet"),
      "--model",
      join(dir, "nope.pt"),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/model file not found/);
  });
});

describe("audiomap classify, info, search", () => {
  it("gives top-k softmax probabilities equal to Python torch's logits", () => {
    const r = cli([
      "classify",
      audio,
      "--model",
      TINY,
      "--top-k",
      "4",
      "--json",
      "--device",
      "cpu",
    ]);
    expect(r.code, r.stderr).toBe(3);
    const doc = JSON.parse(r.stdout);
    const lines = doc.clips as { id: string; top: { label: string; score: number }[] }[];
    expect(lines).toHaveLength(files.good.length + files.bad.length);
    expect(doc.failed).toBe(files.bad.length);
    const ref = JSON.parse(
      execFileSync(
        PY,
        [join(ROOT, "test/helpers/ref_model.py"), TINY, ...files.ref16k.map((f) => join(audio, f))],
        { encoding: "utf8" },
      ),
    );
    for (const f of files.ref16k) {
      const line = lines.find((l) => String(l.id).endsWith(f));
      const logits = ref[join(audio, f)].logits as number[];
      const max = Math.max(...logits);
      const z = logits.reduce((s, v) => s + Math.exp(v - max), 0);
      const labels = ["yes", "no", "up", "down"];
      for (const t of line.top)
        expect(t.score).toBeCloseTo(
          Math.exp((logits[labels.indexOf(t.label)] as number) - max) / z,
          4,
        );
      expect(line.top.map((t: { score: number }) => t.score)).toEqual(
        [...line.top.map((t: { score: number }) => t.score)].sort((a, b) => b - a),
      );
    }
  });

  it("embed --predict writes the top label and probability equal to Python torch's softmax", async () => {
    const out = join(dir, "pred.parquet");
    const r = cli(["embed", audio, "-o", out, "--predict", "--json", ...common]);
    expect(r.code, r.stderr).toBe(3); // the bad files become error rows, as without --predict
    const rows = await readParquet(out);
    expect(rows).toHaveLength(files.good.length);
    const ref = JSON.parse(
      execFileSync(
        PY,
        [join(ROOT, "test/helpers/ref_model.py"), TINY, ...files.ref16k.map((f) => join(audio, f))],
        { encoding: "utf8" },
      ),
    );
    const labels = ["yes", "no", "up", "down"]; // tiny.pt's head, in id order
    for (const f of files.ref16k) {
      const row = rows.find((x) => String(x.id).endsWith(f)) as Record<string, unknown>;
      const logits = ref[join(audio, f)].logits as number[];
      const max = Math.max(...logits);
      const z = logits.reduce((s, v) => s + Math.exp(v - max), 0);
      expect(row.prediction).toBe(labels[logits.indexOf(max)]);
      expect(row.prediction_score as number).toBeCloseTo(1 / z, 4);
    }
    // A model without a head is refused before any work.
    const base = cli([
      "embed",
      audio,
      "-o",
      join(dir, "x.parquet"),
      "--predict",
      "--model",
      TINY.replace("tiny.pt", "tiny-base.pt"),
    ]);
    expect(base.code).toBe(2);
    expect(base.stderr).toMatch(/no classification head/);
  });

  it("detects events with NMS in a long recording", () => {
    const r = cli([
      "classify",
      join(audio, "long16k.flac"),
      "--model",
      TINY,
      "--detect",
      "--threshold",
      "0",
      "--json",
      "--device",
      "cpu",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.mode).toBe("detect");
    const { events } = doc.clips[0];
    expect(events.length).toBeGreaterThan(0);
    // NMS with IoU 0: no two events of one label overlap.
    for (const a of events)
      for (const b of events)
        if (a !== b && a.label === b.label) expect(a.end <= b.start || b.end <= a.start).toBe(true);
  });

  it("prints model metadata", () => {
    const r = cli(["info", TINY, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      hiddenSize: 32,
      numHiddenStates: 3,
      labels: ["yes", "no", "up", "down"],
      samplingRate: 16000,
    });
  });

  it("searches a LanceDB table by id and by clip", async () => {
    const db = join(dir, "clips.lance");
    expect(cli(["embed", many, "-o", db, ...common, "--normalize", "-q"]).code).toBe(0);
    const byId = cli(["search", "clip-0005.wav", "--db", db, "-k", "3", "--json"]);
    expect(byId.code, byId.stderr).toBe(0);
    const hits = JSON.parse(byId.stdout);
    // The table has no vector index, so LanceDB scanned it exhaustively.
    expect(hits[0]).toMatchObject({ id: "clip-0005.wav", metric: "l2", index: null });
    expect(hits[0].distance).toBeCloseTo(0, 5);
    // The distance is the Euclidean one (numpy.linalg.norm(a - b)), not LanceDB's square.
    const pq = join(dir, "clips-ref.parquet");
    expect(cli(["embed", many, "-o", pq, ...common, "--normalize", "-q"]).code).toBe(0);
    const rows = await readParquet(pq);
    const vec = (id: string) => rows.find((r) => r.id === id)!.embedding as number[];
    const a = vec("clip-0005.wav");
    const b = vec(hits[1].id);
    expect(hits[1].distance).toBeCloseTo(Math.hypot(...a.map((x, i) => x - (b[i] as number))), 5);
    const text = cli(["search", "clip-0005.wav", "--db", db, "-k", "2"]);
    expect(text.stdout.split("\n")[0]).toBe("rank  L2 distance  id [label]");
    expect(text.stdout).toContain("search: exhaustive scan (the table has no vector index");
    const byClip = cli(["search", join(many, "clip-0005.wav"), "--db", db, "-k", "3", "--json"]);
    expect(byClip.code, byClip.stderr).toBe(0);
    expect(JSON.parse(byClip.stdout)[0].id).toBe("clip-0005.wav");
  });
});

describe("a native addon that cannot be loaded", () => {
  it("is one message, with one prefix and the command that rebuilds it from an install", () => {
    const missing = join(dir, "nowhere/audiomap.node");
    const r = cli(["info", TINY], { AUDIOMAP_NATIVE_PATH: missing });
    expect(r.code).toBe(1);
    expect(r.stderr.startsWith("audiomap: the native addon could not be loaded.")).toBe(true);
    expect(r.stderr.match(/audiomap:/g)).toHaveLength(1);
    expect(r.stderr).toContain(`${missing}: not built`);
    expect(r.stderr).toContain("npm rebuild @audiomap/core-native");
    expect(r.stderr).toContain("[ERR_NATIVE_LOAD]");
  });
});

describe("output names tell the truth", () => {
  const names = join(dir, "names");
  const outs = ["n.parquet", "n.csv", "n.npy", "n.jsonl", "n.lance"].map((f) => join(names, f));
  const runs = new Map<string, ReturnType<typeof cli>>();
  beforeAll(() => {
    for (const out of outs) runs.set(out, cli(["embed", audio, "-o", out, ...common, "-q"]));
  });

  it("writes the format the extension names, with one errors file per output", () => {
    for (const out of outs) {
      expect(runs.get(out)?.code, runs.get(out)?.stderr).toBe(3); // the folder has bad files
      expect(existsSync(`${out}.errors.jsonl`), out).toBe(true);
      // Nothing from a dependency's logger (LanceDB's Rust WARN lines) under -q.
      expect(runs.get(out)?.stderr, out).toBe("");
    }
    const head = (p: string) => readFileSync(p).subarray(0, 6);
    expect(head(outs[0]!).subarray(0, 4).toString()).toBe("PAR1");
    expect(head(outs[1]!).toString()).toBe("index,");
    expect(head(outs[2]!).subarray(1, 6).toString()).toBe("NUMPY");
    expect(head(outs[3]!).toString()).toBe('{"inde');
    // The same inputs failed in each run, and each run kept its own list.
    const errorIds = (p: string) =>
      readFileSync(`${p}.errors.jsonl`, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id)
        .sort();
    for (const out of outs.slice(1)) expect(errorIds(out)).toEqual(errorIds(outs[0]!));
  });

  it("exits 2, writing nothing, when --format contradicts the name or no format is named", () => {
    const wrong = join(names, "wrong.parquet");
    const r = cli(["embed", audio, "-o", wrong, "--format", "npy", ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--format npy contradicts the output name");
    const unknown = join(names, "emb.bin");
    const u = cli(["embed", audio, "-o", unknown, ...common]);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("cannot tell the output format from");
    expect(existsSync(wrong) || existsSync(unknown)).toBe(false);
    // With an explicit --format, a name with another extension is fine.
    const one = join(audio, "tone16k-0.wav");
    const bin = cli(["embed", one, "-o", unknown, "--format", "npy", ...common, "-q"]);
    expect(bin.code, bin.stderr).toBe(0);
    expect(readFileSync(unknown).subarray(1, 6).toString()).toBe("NUMPY");
  });

  it("reads every format embed writes back into umap, cluster and report", () => {
    const layouts: string[] = [];
    for (const src of outs) {
      const base = join(names, src.split("/").pop()!);
      const u = cli(["umap", src, "-o", `${base}.layout.csv`, "--neighbors", "4", "--seed", "1"]);
      expect(u.code, `${src}: ${u.stderr}`).toBe(0);
      // Same vectors in every format, so the same layout for the same seed.
      layouts.push(
        readFileSync(`${base}.layout.csv`, "utf8")
          .split("\n")
          .map((l) => l.split(",").slice(0, 2).join(","))
          .join("\n"),
      );
      const c = cli(["cluster", src, "--k", "2", "-o", `${base}.clusters.csv`]);
      expect(c.code, `${src}: ${c.stderr}`).toBe(0);
    }
    for (const l of layouts.slice(1)) expect(l).toBe(layouts[0]);
    // The report's UMAP needs more points than the mixed folder has.
    const db = join(names, "many.lance");
    expect(cli(["embed", many, "-o", db, ...common, "-q"]).code).toBe(0);
    const rep = cli(["report", db, "-o", join(names, "report")]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(existsSync(join(names, "report", "index.html"))).toBe(true);
  });
});

describe("nothing skipped in silence", () => {
  it("makes an error row naming the format for audio libsndfile cannot decode (.m4a)", () => {
    const folder = join(dir, "phone");
    mkdirSync(folder, { recursive: true });
    execFileSync("ffmpeg", [
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:duration=1",
      "-c:a",
      "aac",
      join(folder, "memo.m4a"),
    ]);
    execFileSync("sox", [
      "-n",
      "-r",
      "16000",
      join(folder, "tone.wav"),
      "synth",
      "1",
      "sine",
      "300",
    ]);
    const out = join(folder, "out.parquet");
    const r = cli(["embed", folder, "-o", out, ...common, "--json"]);
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: 1, failed: 1 });
    const [error] = readFileSync(`${out}.errors.jsonl`, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(error).toMatchObject({
      id: "memo.m4a",
      stage: "decode",
      code: "ERR_UNSUPPORTED_FORMAT",
    });
    expect(error.reason).toContain(".m4a (AAC or ALAC in MP4) is not a format libsndfile decodes");
  });

  it("exits 2 and writes no output for a source with no audio", () => {
    const folder = join(dir, "no-audio");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "notes.txt"), "no audio here\n");
    const out = join(folder, "out.parquet");
    const r = cli(["embed", folder, "-o", out, ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the source holds no input");
    expect(readdirSync(folder)).toEqual(["notes.txt"]);
  });
});

describe("CLI conventions", () => {
  it("classify takes several paths, as a shell glob gives them", () => {
    const clips = ["tone16k-0.wav", "tone16k-1.wav", "speech-0-yes.wav"].map((f) => join(audio, f));
    const r = cli(["classify", ...clips, "--model", TINY, "--device", "cpu", "--jsonl", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.path)).toEqual(clips);
    for (const l of lines) expect(l.top).toHaveLength(3);
  });

  it("classify --json prints one JSON document; a clip that fails is in it and exits 3", () => {
    const clips = ["tone16k-0.wav", "speech-0-yes.wav"].map((f) => join(audio, f));
    const broken = join(dir, "broken.wav");
    writeFileSync(broken, "RIFF but not a wave file");
    const args = ["classify", ...clips, "--model", TINY, "--device", "cpu", "-q"];
    const ok = cli([...args, "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    const doc = JSON.parse(ok.stdout);
    expect(doc).toMatchObject({ model: TINY, mode: "classify", ok: 2, failed: 0 });
    expect(doc.clips.map((c: { path: string }) => c.path)).toEqual(clips);
    const bad = cli([...args, broken, "--json"]);
    expect(bad.code, bad.stderr).toBe(3);
    const badDoc = JSON.parse(bad.stdout);
    expect(badDoc).toMatchObject({ ok: 2, failed: 1 });
    expect(badDoc.clips[2]).toMatchObject({ path: broken, error: { stage: "decode" } });
    expect(cli([...args, "--json", "--jsonl"]).code).toBe(2);
  });

  it("umap, cluster and report exit 2 naming a missing input, like embed", () => {
    const missing = join(dir, "nowhere.parquet");
    for (const args of [
      ["umap", missing, "-o", join(dir, "l.csv")],
      ["cluster", missing, "--k", "2", "-o", join(dir, "c.csv")],
      ["report", missing, "-o", join(dir, "rep")],
    ]) {
      const r = cli(args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr.trim(), args[0]).toBe(`audiomap: input not found: ${missing}`);
    }
  });
});

describe("provenance", () => {
  it("stores what made the file in its Parquet metadata, shown by `audiomap info`", async () => {
    const out = join(dir, "prov", "p.parquet");
    expect(cli(["embed", audio, "-o", out, ...common, "--pool", "max", "-q"]).code).toBe(3);
    // Read with hyparquet, an independent Parquet reader.
    const buf = readFileSync(out);
    const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const kv = meta.key_value_metadata?.find((e) => e.key === "audiomap");
    const p = JSON.parse(kv?.value ?? "{}");
    const sha = createHash("sha256").update(readFileSync(TINY)).digest("hex");
    expect(p).toMatchObject({
      audiomap_version: "0.1.0",
      model: TINY,
      model_sha256: sha,
      layer: "-1",
      pool: "max",
      normalize: false,
      dtype: "float32",
      sample_rate: 16000,
      dim: 32,
      format: "parquet",
    });
    expect(p.model_info).toMatchObject({ hiddenSize: 32, labels: ["yes", "no", "up", "down"] });
    expect(p.command).toContain("embed");
    const info = cli(["info", out, "--json"]);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toEqual({ path: out, ...p });
    // The other formats carry the same in a sidecar.
    const csv = join(dir, "prov", "p.csv");
    expect(cli(["embed", audio, "-o", csv, ...common, "--pool", "max", "-q"]).code).toBe(3);
    const side = JSON.parse(cli(["info", csv, "--json"]).stdout);
    expect({ ...side, path: out, format: "parquet", command: p.command }).toEqual({
      path: out,
      ...p,
    });
  });

  it("merge refuses parts made with other settings", () => {
    const a = join(dir, "prov", "s0.parquet");
    const b = join(dir, "prov", "s1.parquet");
    expect(cli(["embed", audio, "-o", a, ...common, "--shard", "0/2", "-q"]).code).toBe(3);
    expect(
      cli(["embed", audio, "-o", b, ...common, "--shard", "1/2", "--pool", "max", "-q"]).code,
    ).toBe(3);
    const r = cli(["merge", a, b, "-o", join(dir, "prov", "m.parquet")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${b} was made with other settings than ${a}: pool: "mean" ≠ "max"`);
    expect(existsSync(join(dir, "prov", "m.parquet"))).toBe(false);
  });
});

describe("layouts keep the source's column types", () => {
  it("writes index and sample_rate as integers and an all-null label as text", () => {
    const src = join(dir, "types.parquet");
    expect(cli(["embed", many, "-o", src, ...common, "-q"]).code).toBe(0);
    const layout = join(dir, "types.layout.parquet");
    const r = cli(["umap", src, "-o", layout, "--neighbors", "5"]);
    expect(r.code, r.stderr).toBe(0);
    const buf = readFileSync(layout);
    const { schema } = parquetMetadata(
      buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    );
    const typeOf = (name: string) => {
      const col = schema.find((s) => s.name === name);
      return [col?.type, col?.logical_type?.type ?? null];
    };
    expect(typeOf("x")).toEqual(["FLOAT", null]);
    expect(typeOf("index")).toEqual(["INT64", null]);
    expect(typeOf("sample_rate")).toEqual(["INT32", null]);
    expect(typeOf("channels")).toEqual(["INT32", null]);
    expect(typeOf("duration_sec")).toEqual(["DOUBLE", null]);
    expect(typeOf("id")).toEqual(["BYTE_ARRAY", "STRING"]);
    expect(typeOf("label")).toEqual(["BYTE_ARRAY", "STRING"]); // every label is null here
  });
});

describe("DuckDB reads the Parquet output", () => {
  it("runs array_cosine_similarity after the documented one-line cast", async () => {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const out = join(dir, "duck.parquet");
    expect(cli(["embed", many, "-o", out, ...common, "-q"]).code).toBe(0);
    const rows = await readParquet(out);
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    try {
      const file = out.replace(/'/g, "''");
      // Parquet has no fixed-size list, so DuckDB sees FLOAT[]; the cast gives FLOAT[dim].
      const [t] = (
        await c.runAndReadAll(`SELECT typeof(embedding) AS t FROM '${file}' LIMIT 1`)
      ).getRowObjects();
      expect(t?.t).toBe("FLOAT[]");
      const q = `SELECT id, array_cosine_similarity(embedding::FLOAT[32],
          (SELECT embedding::FLOAT[32] FROM '${file}' WHERE id = 'clip-0005.wav')) AS sim
        FROM '${file}' ORDER BY index`;
      const sims = (await c.runAndReadAll(q)).getRowObjects();
      expect(sims).toHaveLength(rows.length);
      const q0 = rows.find((r) => r.id === "clip-0005.wav")!.embedding as number[];
      const cos = (a: number[], b: number[]) =>
        a.reduce((s, x, i) => s + x * (b[i] as number), 0) / (Math.hypot(...a) * Math.hypot(...b));
      sims.forEach((s, i) => {
        expect(s.id).toBe(rows[i]!.id);
        expect(Number(s.sim)).toBeCloseTo(cos(rows[i]!.embedding as number[], q0), 5);
      });
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });
});
