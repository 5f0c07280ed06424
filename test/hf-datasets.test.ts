/**
 * Datasets laid out as Hugging Face users have them, end to end through `audiomap embed`:
 * Hub Parquet written by an independent writer (DuckDB, not this project), MInDS-14 in both
 * unzip layouts, AudioFolder with metadata, and Speech Commands splits.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, requireBuilt, TINY } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-hf-"));
const common = ["--model", TINY, "--device", "cpu", "--threads", "1", "-q"];
let db: import("@duckdb/node-api").DuckDBInstance;
let c: DuckDBConnection;

const sql = (s: string) => s.replace(/'/g, "''");

/** A 0.3 s tone at 16 kHz, a different pitch per clip. */
function tone(path: string, hz: number): void {
  execFileSync("sox", ["-n", "-r", "16000", "-b", "16", path, "synth", "0.3", "sine", String(hz)]);
}

async function rows(file: string, columns = "*"): Promise<Record<string, unknown>[]> {
  const r = await c.runAndReadAll(`SELECT ${columns} FROM '${sql(file)}' ORDER BY index`);
  // BIGINT cells come back as bigint; the values here are small.
  return r
    .getRowObjectsJS()
    .map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]),
      ),
    );
}

async function types(file: string): Promise<Record<string, string>> {
  const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM '${sql(file)}'`);
  return Object.fromEntries(
    r.getRowObjects().map((x) => [String(x.column_name), String(x.column_type)]),
  );
}

const INTENTS = ["abroad", "address", "app_error"];
const LANGS = ["en-US", "fr-FR"];
const features = JSON.stringify({
  info: {
    features: {
      audio: { _type: "Audio", sampling_rate: 16000 },
      intent_class: { _type: "ClassLabel", names: INTENTS },
      lang_id: { _type: "ClassLabel", names: LANGS },
      utterance_id: { _type: "Value", dtype: "int16" },
      score: { _type: "Value", dtype: "float64" },
    },
  },
});

/**
 * Writes `data/<split>-00000-of-00001.parquet` with DuckDB, in the Hub's layout: an audio
 * struct {bytes, path}, ClassLabel integers and the "huggingface" features metadata.
 * `rows` are [clip file, intent_class, lang_id, utterance_id, score, bytes null?].
 */
async function writeHubSplit(
  root: string,
  split: string,
  spec: [string, number, number, number, number, boolean][],
): Promise<void> {
  const values = spec
    .map(
      ([clip, intent, lang, utt, score, noBytes], i) =>
        `(${i}, '${sql(clip)}', ${intent}, ${lang}, ${utt}, ${score.toFixed(1)}, ${noBytes})`,
    )
    .join(", ");
  const out = join(root, "data", `${split}-00000-of-00001.parquet`);
  await c.run(`COPY (
      SELECT {'bytes': CASE WHEN t.no_bytes THEN NULL ELSE b.content END,
              'path': t.clip} AS audio,
             t.intent::INTEGER AS intent_class, t.lang::BIGINT AS lang_id,
             t.utt::SMALLINT AS utterance_id, t.score::DOUBLE AS score
      FROM (VALUES ${values}) t(i, clip, intent, lang, utt, score, no_bytes)
      JOIN read_blob('${sql(clips)}/*.wav') b
        ON parse_filename(b.filename) = t.clip
      ORDER BY t.i
    ) TO '${sql(out)}' (FORMAT parquet, KV_METADATA {huggingface: '${sql(features)}'})`);
}

const hub = join(dir, "hub");
/** The clips the Parquet files hold, outside the dataset's folder. */
const clips = join(dir, "clips");

beforeAll(async () => {
  requireBuilt();
  const { DuckDBInstance } = await import("@duckdb/node-api");
  db = await DuckDBInstance.create(":memory:");
  c = await db.connect();
  mkdirSync(clips, { recursive: true });
  mkdirSync(join(hub, "data"), { recursive: true });
  for (let i = 0; i < 6; i++) tone(join(clips, `c${i}.wav`), 300 + 80 * i);
  // Row 3 of train has ClassLabel -1 (no label); test row 1 has null bytes and a path that
  // resolves next to the Parquet file, as HF reads it.
  await writeHubSplit(hub, "train", [
    ["c0.wav", 0, 0, 1, 1.0, false],
    ["c1.wav", 1, 1, 2, 2.0, false],
    ["c2.wav", 2, 0, 3, 3.0, false],
    ["c3.wav", -1, 1, 4, 4.0, false],
  ]);
  await writeHubSplit(hub, "test", [
    ["c4.wav", 1, 0, 5, 5.0, false],
    ["c5.wav", 2, 1, 6, 6.0, true],
  ]);
  execFileSync("cp", [join(clips, "c5.wav"), join(hub, "data", "c5.wav")]);
}, 60_000);

afterAll(() => {
  c?.closeSync();
  db?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe("Hub Parquet written by DuckDB", () => {
  it("--split takes the split from data/<split>-*.parquet and writes it out", async () => {
    const out = join(dir, "test.parquet");
    const r = cli(["embed", hub, "-o", out, "--split", "test", "--json", ...common]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: 2, failed: 0 });
    const got = await rows(out, "id, path, split, audio_path");
    expect(got.map((x) => x.id)).toEqual([
      "test-00000-of-00001.parquet#0",
      "test-00000-of-00001.parquet#1",
    ]);
    expect(got.every((x) => x.split === "test")).toBe(true);
    // A row with bytes points at itself; the null-bytes row was read from audio.path, which
    // lies beside the Parquet file.
    expect(got[0]?.path).toBe(`${join(hub, "data", "test-00000-of-00001.parquet")}#0`);
    expect(got[1]?.path).toBe(join(hub, "data", "c5.wav"));
    expect(got.map((x) => x.audio_path)).toEqual(["c4.wav", "c5.wav"]);
  }, 120_000);

  it("an unknown split exits 2 and names the splits there are", () => {
    const out = join(dir, "none.parquet");
    const r = cli(["embed", hub, "-o", out, "--split", "dev", ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no split "dev"; its splits: test, train');
    expect(readdirSync(dir).some((f) => f.startsWith("none."))).toBe(false);
  });

  it("names every ClassLabel, treats -1 as no label and keeps each column's type", async () => {
    const out = join(dir, "train.parquet");
    const r = cli(["embed", hub, "-o", out, "--label-column", "intent_class", ...common]);
    expect(r.code).toBe(0);
    const got = await rows(out);
    expect(got).toHaveLength(6);
    expect(got.map((x) => x.label)).toEqual([
      "address",
      "app_error",
      "abroad",
      "address",
      "app_error",
      null,
    ]);
    expect(got.map((x) => x.intent_class)).toEqual([1, 2, 0, 1, 2, -1]);
    expect(got.map((x) => x.lang_id_name)).toEqual([
      "en-US",
      "fr-FR",
      "en-US",
      "fr-FR",
      "en-US",
      "fr-FR",
    ]);
    expect(new Set(got.map((x) => x.id)).size).toBe(6);
    const t = await types(out);
    expect(t).toMatchObject({
      intent_class: "BIGINT",
      lang_id: "BIGINT",
      utterance_id: "BIGINT",
      // Whole values, but the source column is DOUBLE, and so is the output's.
      score: "DOUBLE",
      lang_id_name: "VARCHAR",
      split: "VARCHAR",
      index: "BIGINT",
      sample_rate: "INTEGER",
    });
  }, 120_000);

  it("rows whose audio is inside a Parquet file play in the map, embedded or linked", () => {
    const out = join(dir, "train.parquet");
    const wav = readFileSync(join(clips, "c4.wav"));
    const embed = join(dir, "map-embed", "layout.parquet");
    mkdirSync(join(dir, "map-embed"));
    const r = cli([
      "umap",
      out,
      "-o",
      embed,
      "--neighbors",
      "3",
      "--html",
      "--audio",
      "embed",
      "-q",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, "map-embed", "layout.html"), "utf8");
    expect(html).toContain(`data:audio/wav;base64,${wav.toString("base64")}`);
    // "link" writes a copy of each row's bytes beside the page and links it.
    const link = join(dir, "map-link", "layout.parquet");
    mkdirSync(join(dir, "map-link"));
    expect(cli(["umap", out, "-o", link, "--neighbors", "3", "--html", "-q"]).code).toBe(0);
    const page = readFileSync(join(dir, "map-link", "layout.html"), "utf8");
    expect(page).toContain("audiomap-clips/test-00000-of-00001-0.wav");
    const copy = readFileSync(join(dir, "map-link", "audiomap-clips", "test-00000-of-00001-0.wav"));
    expect(copy.equals(wav)).toBe(true);
  }, 120_000);

  it("a split column is honoured when the file names say nothing", async () => {
    const flat = join(dir, "flat.parquet");
    await c.run(`COPY (SELECT audio, CASE WHEN utterance_id % 2 = 0 THEN 'train' ELSE 'validation'
        END AS split FROM '${sql(join(hub, "data", "train-00000-of-00001.parquet"))}')
      TO '${sql(flat)}' (FORMAT parquet)`);
    const out = join(dir, "val.parquet");
    expect(cli(["embed", flat, "-o", out, "--split", "validation", ...common]).code).toBe(0);
    expect((await rows(out, "id, split")).map((x) => [x.id, x.split])).toEqual([
      ["flat.parquet#0", "validation"],
      ["flat.parquet#2", "validation"],
    ]);
    const bad = cli(["embed", flat, "-o", join(dir, "x.parquet"), "--split", "test", ...common]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("its splits: train, validation");
  }, 120_000);

  it("--audio-column names another struct column", async () => {
    const renamed = join(dir, "renamed.parquet");
    await c.run(`COPY (SELECT audio AS speech, utterance_id
        FROM '${sql(join(hub, "data", "train-00000-of-00001.parquet"))}')
      TO '${sql(renamed)}' (FORMAT parquet)`);
    const out = join(dir, "renamed-out.parquet");
    const missing = cli(["embed", renamed, "-o", out, ...common]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no "audio" column (columns: speech, utterance_id)');
    expect(cli(["embed", renamed, "-o", out, "--audio-column", "speech", ...common]).code).toBe(0);
    expect(await rows(out, "utterance_id")).toEqual([
      { utterance_id: 1 },
      { utterance_id: 2 },
      { utterance_id: 3 },
      { utterance_id: 4 },
    ]);
  }, 120_000);
});

describe("MInDS-14 as it unzips", () => {
  const header = "path,transcription,english_transcription,intent\n";
  function layout(root: string, textDir: string, audioDir: string): void {
    mkdirSync(join(root, textDir), { recursive: true });
    const lines = ["ABROAD", "ADDRESS", "ABROAD"].map((intent, i) => {
      const folder = join(root, audioDir, `fr-FR~${intent}`);
      mkdirSync(folder, { recursive: true });
      // The first row's file is missing: the others must still be found.
      if (i > 0) tone(join(folder, `clip${i}.wav`), 400 + 50 * i);
      return `fr-FR~${intent}/clip${i}.wav,bonjour ${i},hello ${i},${intent.toLowerCase()}`;
    });
    writeFileSync(join(root, textDir, "fr-FR.csv"), header + lines.join("\n"));
  }

  for (const [name, textDir, audioDir] of [
    ["text/ and audio/ folders", "text", "audio"],
    ["both zips unzipped in place", ".", "."],
  ] as const) {
    it(`reads ${name}, resolving audio per row`, async () => {
      const root = join(dir, `minds-${textDir === "." ? "inplace" : "folders"}`);
      layout(root, textDir, audioDir);
      const out = join(root, "out.parquet");
      const r = cli(["embed", root, "-o", out, "--json", ...common]);
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: 2, failed: 1 });
      const got = await rows(out, "id, label, language, intent_class");
      expect(got).toEqual([
        { id: "fr-FR~ADDRESS/clip1.wav", label: "address", language: "fr-FR", intent_class: 1 },
        { id: "fr-FR~ABROAD/clip2.wav", label: "abroad", language: "fr-FR", intent_class: 0 },
      ]);
      const errors = readFileSync(`${out}.errors.jsonl`, "utf8").trim().split("\n");
      expect(errors).toHaveLength(1);
      expect(JSON.parse(errors[0] as string)).toMatchObject({ id: "fr-FR~ABROAD/clip0.wav" });
      expect(
        cli(["embed", root, "-o", join(root, "x.parquet"), "--split", "test", ...common]).code,
      ).toBe(2);
    }, 120_000);
  }
});

describe("AudioFolder", () => {
  it("reads metadata.csv / metadata.jsonl with their labels, columns and split folders", async () => {
    const root = join(dir, "audiofolder");
    for (const split of ["train", "test"]) mkdirSync(join(root, split), { recursive: true });
    tone(join(root, "train", "a.wav"), 300);
    tone(join(root, "train", "b.wav"), 350);
    tone(join(root, "train", "stray.wav"), 370);
    tone(join(root, "test", "c.wav"), 400);
    writeFileSync(
      join(root, "train", "metadata.csv"),
      "file_name,label,speaker_id,rating\na.wav,yes,7,0.5\nb.wav,no,8,1.5\n",
    );
    writeFileSync(
      join(root, "test", "metadata.jsonl"),
      `${JSON.stringify({ file_name: "c.wav", label: "yes", speaker_id: 9, rating: 2.5 })}\n`,
    );
    const out = join(dir, "af.parquet");
    expect(cli(["embed", root, "-o", out, ...common]).code).toBe(0);
    const got = await rows(out, "id, label, split, speaker_id, rating");
    // The clip no metadata row names is still embedded, with no metadata: nothing skipped.
    expect(got).toEqual([
      { id: "test/c.wav", label: "yes", split: "test", speaker_id: 9, rating: 2.5 },
      { id: "train/a.wav", label: "yes", split: "train", speaker_id: 7, rating: 0.5 },
      { id: "train/b.wav", label: "no", split: "train", speaker_id: 8, rating: 1.5 },
      { id: "train/stray.wav", label: null, split: "train", speaker_id: null, rating: null },
    ]);
    expect(await types(out)).toMatchObject({ speaker_id: "BIGINT", rating: "DOUBLE" });
    const test = join(dir, "af-test.parquet");
    expect(cli(["embed", root, "-o", test, "--split", "test", ...common]).code).toBe(0);
    expect((await rows(test, "id")).map((x) => x.id)).toEqual(["test/c.wav"]);
  }, 120_000);

  it("with no metadata, labels clips by the folder inside the split folder", async () => {
    const root = join(dir, "af-labels");
    for (const [split, label] of [
      ["train", "yes"],
      ["train", "no"],
      ["validation", "yes"],
    ]) {
      mkdirSync(join(root, split as string, label as string), { recursive: true });
      tone(join(root, split as string, label as string, "x.wav"), 500);
    }
    const out = join(dir, "af-labels.parquet");
    expect(cli(["embed", root, "-o", out, ...common]).code).toBe(0);
    expect((await rows(out, "id, label, split")).map((x) => Object.values(x))).toEqual([
      ["train/no/x.wav", "no", "train"],
      ["train/yes/x.wav", "yes", "train"],
      ["validation/yes/x.wav", "yes", "validation"],
    ]);
  }, 120_000);
});

describe("Speech Commands splits", () => {
  it("an unknown split exits 2 instead of writing an empty output", () => {
    const root = join(dir, "sc");
    mkdirSync(join(root, "yes"), { recursive: true });
    tone(join(root, "yes", "aaaa_nohash_0.wav"), 300);
    writeFileSync(join(root, "validation_list.txt"), "");
    writeFileSync(join(root, "testing_list.txt"), "");
    const out = join(root, "dev.parquet");
    const r = cli(["embed", root, "-o", out, "--split", "dev", ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no split "dev"; its splits: test, train, validation');
    expect(cli(["embed", root, "-o", out, "--split", "train", ...common]).code).toBe(0);
  }, 60_000);
});
