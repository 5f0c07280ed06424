/** Dataset sources on tiny layouts built here: the records, their order and their metadata. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeAudio } from "../src/audio/index.js";
import {
  type AudioRecord,
  detectKind,
  folderSource,
  manifestSource,
  minds14Source,
  openDataset,
  parquetSource,
  speechCommandsSource,
  splitFromPath,
} from "../src/datasets/index.js";
import { makeTempDir, writeFloatWav } from "./helpers/audio-tools.js";

const temp = makeTempDir("datasets");
const root = temp.dir;

/** A short WAV whose first sample encodes `tag`, so records can be matched to files. */
function clip(path: string, tag: number, rate = 16000) {
  mkdirSync(dirname(path), { recursive: true });
  const x = new Float32Array(800).fill(0.01);
  x[0] = tag / 100;
  writeFloatWav(path, x, rate);
}

async function all(source: AsyncIterable<AudioRecord>): Promise<AudioRecord[]> {
  const out: AudioRecord[] = [];
  for await (const r of source) out.push(r);
  return out;
}

const sc = join(root, "speech_commands");
const minds = join(root, "MInDS-14");
const flat = join(root, "flat");

beforeAll(() => {
  // Speech Commands: labels as folders, split lists, a background-noise folder to skip.
  clip(join(sc, "yes", "aaaa1111_nohash_0.wav"), 1);
  clip(join(sc, "yes", "aaaa1111_nohash_1.wav"), 2);
  clip(join(sc, "yes", "bbbb2222_nohash_0.wav"), 3);
  clip(join(sc, "no", "cccc3333_nohash_0.wav"), 4);
  clip(join(sc, "no", "aaaa1111_nohash_0.wav"), 5);
  clip(join(sc, "_background_noise_", "white_noise.wav"), 6);
  writeFileSync(join(sc, "_background_noise_", "README.md"), "noise");
  writeFileSync(join(sc, "validation_list.txt"), "yes/bbbb2222_nohash_0.wav\n");
  writeFileSync(
    join(sc, "testing_list.txt"),
    "no/cccc3333_nohash_0.wav\nyes/aaaa1111_nohash_1.wav\n",
  );
  writeFileSync(join(sc, "LICENSE"), "cc-by");

  // MInDS-14: text/<lang>.csv (header, quoted commas) and the audio tree the paths point into.
  mkdirSync(join(minds, "text"), { recursive: true });
  clip(join(minds, "audio", "en-US~FREEZE", "602b9a.wav"), 7, 8000);
  clip(join(minds, "audio", "en-US~PAY_BILL", "602b9b.wav"), 8, 8000);
  clip(join(minds, "audio", "fr-FR~ABROAD", "5f3.wav"), 9, 8000);
  writeFileSync(
    join(minds, "text", "en-US.csv"),
    [
      "path,transcription,english_transcription,intent",
      'en-US~FREEZE/602b9a.wav,"hi, please freeze my card","hi, please freeze my card",FREEZE',
      "en-US~PAY_BILL/602b9b.wav,i want to pay a bill,i want to pay a bill,PAY_BILL",
    ].join("\n"),
  );
  writeFileSync(
    join(minds, "text", "fr-FR.csv"),
    "path,transcription,english_transcription,intent\nfr-FR~ABROAD/5f3.wav,je pars,i am leaving,ABROAD\n",
  );

  // A flat folder with nesting and non-audio files.
  clip(join(flat, "b.wav"), 10);
  clip(join(flat, "a", "z.flac.wav"), 11);
  clip(join(flat, "A", "x.wav"), 12);
  writeFileSync(join(flat, "notes.txt"), "not audio");
});
afterAll(() => temp.remove());

describe("speechCommandsSource", () => {
  it("yields every labelled clip in label/file order with its split and speaker", async () => {
    const records = await all(speechCommandsSource(sc));
    expect(records.map((r) => [r.id, r.label, r.metadata.split])).toEqual([
      ["no/aaaa1111_nohash_0.wav", "no", "train"],
      ["no/cccc3333_nohash_0.wav", "no", "test"],
      ["yes/aaaa1111_nohash_0.wav", "yes", "train"],
      ["yes/aaaa1111_nohash_1.wav", "yes", "test"],
      ["yes/bbbb2222_nohash_0.wav", "yes", "validation"],
    ]);
    expect(records[3]?.metadata).toEqual({
      split: "test",
      speaker_id: "aaaa1111",
      utterance_id: 1,
    });
    expect(records[0]?.source).toEqual({ path: join(sc, "no", "aaaa1111_nohash_0.wav") });
    const decoded = await decodeAudio((records[0]!.source as { path: string }).path);
    expect(decoded.samples[0]).toBeCloseTo(0.05, 6);
  });

  it("filters one split", async () => {
    const ids = async (split: "train" | "validation" | "test") =>
      (await all(speechCommandsSource(sc, { split }))).map((r) => r.id);
    expect(await ids("train")).toEqual(["no/aaaa1111_nohash_0.wav", "yes/aaaa1111_nohash_0.wav"]);
    expect(await ids("validation")).toEqual(["yes/bbbb2222_nohash_0.wav"]);
    expect(await ids("test")).toEqual(["no/cccc3333_nohash_0.wav", "yes/aaaa1111_nohash_1.wav"]);
  });
});

describe("minds14Source", () => {
  it("reads text/<lang>.csv with the intent as label and the transcriptions as metadata", async () => {
    const records = await all(minds14Source(minds, { language: "en-US" }));
    expect(records).toEqual([
      {
        id: "en-US~FREEZE/602b9a.wav",
        source: { path: join(minds, "audio", "en-US~FREEZE", "602b9a.wav") },
        label: "freeze",
        metadata: {
          language: "en-US",
          transcription: "hi, please freeze my card",
          english_transcription: "hi, please freeze my card",
          intent_class: 9,
        },
      },
      {
        id: "en-US~PAY_BILL/602b9b.wav",
        source: { path: join(minds, "audio", "en-US~PAY_BILL", "602b9b.wav") },
        label: "pay_bill",
        metadata: {
          language: "en-US",
          transcription: "i want to pay a bill",
          english_transcription: "i want to pay a bill",
          intent_class: 13,
        },
      },
    ]);
    const decoded = await decodeAudio((records[1]!.source as { path: string }).path, {
      targetRate: 16000,
    });
    expect(decoded.originalSampleRate).toBe(8000);
  });

  it("reads every language in order without a filter", async () => {
    const records = await all(minds14Source(minds));
    expect(records.map((r) => [r.metadata.language, r.label])).toEqual([
      ["en-US", "freeze"],
      ["en-US", "pay_bill"],
      ["fr-FR", "abroad"],
    ]);
    await expect(all(minds14Source(minds, { language: "de-DE" }))).rejects.toMatchObject({
      code: "ERR_DATASET_LAYOUT",
    });
  });
});

describe("manifestSource", () => {
  it("reads a CSV: relative and absolute paths, label, other columns as string metadata", async () => {
    const csv = join(root, "manifests", "clips.csv");
    mkdirSync(dirname(csv), { recursive: true });
    writeFileSync(
      csv,
      [
        "path,label,speaker,take",
        "../flat/b.wav,dog,007,1",
        `${join(flat, "A", "x.wav")},cat,"smith, j",2`,
        "../flat/a/z.flac.wav,,,",
      ].join("\n"),
    );
    const records = await all(manifestSource(csv));
    expect(records).toEqual([
      {
        id: "../flat/b.wav",
        source: { path: join(flat, "b.wav") },
        label: "dog",
        metadata: { speaker: "007", take: "1" },
      },
      {
        id: join(flat, "A", "x.wav"),
        source: { path: join(flat, "A", "x.wav") },
        label: "cat",
        metadata: { speaker: "smith, j", take: "2" },
      },
      {
        id: "../flat/a/z.flac.wav",
        source: { path: join(flat, "a", "z.flac.wav") },
        metadata: { speaker: "", take: "" },
      },
    ]);
  });

  it("reads JSONL with typed values, a custom path column and an id column", async () => {
    const jsonl = join(root, "manifests", "clips.jsonl");
    writeFileSync(
      jsonl,
      [
        JSON.stringify({ clip: "../flat/b.wav", key: "k1", spk: 7, ok: true, extra: { a: 1 } }),
        "",
        JSON.stringify({ clip: { path: "../flat/A/x.wav" }, key: "k2", spk: null, ok: false }),
      ].join("\n"),
    );
    const records = await all(manifestSource(jsonl, { pathColumn: "clip", idColumn: "key" }));
    expect(records).toEqual([
      {
        id: "k1",
        source: { path: join(flat, "b.wav") },
        metadata: { key: "k1", spk: 7, ok: true, extra: '{"a":1}' },
      },
      {
        id: "k2",
        source: { path: join(flat, "A", "x.wav") },
        metadata: { key: "k2", spk: null, ok: false },
      },
    ]);
  });

  it("reports a row without a path and invalid JSON", async () => {
    const bad = join(root, "manifests", "bad.csv");
    writeFileSync(bad, "name,label\nx,y\n");
    await expect(all(manifestSource(bad))).rejects.toMatchObject({ code: "ERR_DATASET_FORMAT" });
    // A bad line is that record's error, in its place; the run goes on (issue 17 §7).
    const badJson = join(root, "manifests", "bad.jsonl");
    writeFileSync(badJson, '{"path": "a.wav"}\n{oops\n[1]\n{"label": "x"}\n{"path": "b.wav"}\n');
    const records = await all(manifestSource(badJson));
    expect(records.map((r) => r.id)).toEqual([
      "a.wav",
      "bad.jsonl:2",
      "bad.jsonl:3",
      "bad.jsonl:4",
      "b.wav",
    ]);
    expect(records.map((r) => r.invalid?.reason.replace(/^.*bad\.jsonl: /, ""))).toEqual([
      undefined,
      expect.stringMatching(/^line 2: invalid JSON/),
      "line 3: not a JSON object",
      expect.stringMatching(/^line 4 has no audio path/),
      undefined,
    ]);
  });

  it("keeps a ragged or unreadable CSV row in place as an invalid record", async () => {
    const ragged = join(root, "manifests", "ragged.csv");
    writeFileSync(ragged, 'path,label\na.wav,yes\nb.wav,no,extra\nc.wav\n"d.wav,yes\n');
    const records = await all(manifestSource(ragged));
    expect(records[0]).toMatchObject({ id: "a.wav", label: "yes" });
    expect(records[1]?.invalid?.reason).toMatch(/line 3 has 3 fields; the header has 2/);
    expect(records[2]?.invalid?.reason).toMatch(/line 4 has 1 fields; the header has 2/);
    expect(records[3]?.invalid).toMatchObject({ code: "ERR_MANIFEST_ROW" });
    expect(records).toHaveLength(4);
  });

  it.each([
    ["utf-16le", true],
    ["utf-16le", false],
    ["utf-16be", true],
    ["utf-8", true],
  ])("reads a %s manifest (BOM: %s)", async (encoding, bom) => {
    const text = "path,label,speaker\nclips/é.wav,oui,Zoë\nclips/b.wav,non,Ana\n";
    let bytes = Buffer.from(text, "utf16le");
    if (encoding === "utf-16be") bytes = Buffer.from(bytes).swap16();
    if (encoding === "utf-8") bytes = Buffer.from(text, "utf8");
    const mark = {
      "utf-16le": [0xff, 0xfe],
      "utf-16be": [0xfe, 0xff],
      "utf-8": [0xef, 0xbb, 0xbf],
    };
    const file = join(root, "manifests", `enc-${encoding}-${bom}.csv`);
    writeFileSync(
      file,
      Buffer.concat([Buffer.from(bom ? mark[encoding as keyof typeof mark] : []), bytes]),
    );
    const records = await all(manifestSource(file));
    expect(records.map((r) => [r.id, r.label, r.metadata.speaker])).toEqual([
      ["clips/é.wav", "oui", "Zoë"],
      ["clips/b.wav", "non", "Ana"],
    ]);
  });
});

describe("parquetSource", () => {
  const names = ["no", "yes"];
  let files: string[];

  beforeAll(() => {
    // As the Hub's Parquet conversion stores audio: struct<bytes: binary, path: string>, with
    // ClassLabel names in the schema's "huggingface" metadata. Two rows per row group.
    const wavs = [
      join(sc, "yes", "aaaa1111_nohash_0.wav"),
      join(sc, "no", "cccc3333_nohash_0.wav"),
      join(sc, "yes", "bbbb2222_nohash_0.wav"),
    ];
    const audioType = new arrow.Struct([
      new arrow.Field("bytes", new arrow.Binary(), true),
      new arrow.Field("path", new arrow.Utf8(), true),
    ]);
    const audio = arrow.vectorFromArray(
      wavs.map((w) => ({ bytes: new Uint8Array(readFileSync(w)), path: w.split("/").pop() })),
      audioType,
    );
    const table = new arrow.Table({
      audio,
      label: arrow.vectorFromArray([1n, 0n, 1n], new arrow.Int64()),
      speaker: arrow.vectorFromArray(["aaaa1111", "cccc3333", "bbbb2222"], new arrow.Utf8()),
      duration: arrow.vectorFromArray([0.05, 0.05, 0.05], new arrow.Float64()),
    });
    table.schema.metadata.set(
      "huggingface",
      JSON.stringify({ info: { features: { label: { _type: "ClassLabel", names } } } }),
    );
    const props = new pq.WriterPropertiesBuilder().setMaxRowGroupSize(2).build();
    const bytes = pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(table, "stream")), props);
    mkdirSync(join(root, "hf", "train"), { recursive: true });
    mkdirSync(join(root, "hf", "test"), { recursive: true });
    files = [join(root, "hf", "train", "0000.parquet"), join(root, "hf", "test", "0000.parquet")];
    for (const f of files) writeFileSync(f, bytes);
  });

  it("yields bytes, path, the ClassLabel name and the other columns, row group by row group", async () => {
    const records = await all(parquetSource(files));
    expect(records.map((r) => r.id)).toEqual([
      "train/0000.parquet#0",
      "train/0000.parquet#1",
      "train/0000.parquet#2",
      "test/0000.parquet#0",
      "test/0000.parquet#1",
      "test/0000.parquet#2",
    ]);
    expect(records.map((r) => r.label)).toEqual(["yes", "no", "yes", "yes", "no", "yes"]);
    // The split comes from the Hub tree's folder (train/0000.parquet).
    expect(records[1]?.metadata).toEqual({
      audio_path: "cccc3333_nohash_0.wav",
      speaker: "cccc3333",
      duration: 0.05,
      split: "train",
    });
    expect(records[4]?.metadata.split).toBe("test");
    // The record's path points at the row, which is unique; the clip's own name is audio_path.
    const source = records[1]?.source as { bytes: Uint8Array; path: string };
    expect(source.path).toBe(`${files[0]}#1`);
    const fromBytes = await decodeAudio(source.bytes);
    const fromFile = await decodeAudio(join(sc, "no", "cccc3333_nohash_0.wav"));
    expect(fromBytes.samples).toEqual(fromFile.samples);
  });

  it("keeps integer labels without ClassLabel metadata and honours labelColumn: null", async () => {
    const records = await all(parquetSource(files[0] as string, { labelColumn: null }));
    expect(records.every((r) => r.label === undefined)).toBe(true);
    expect(records[0]?.metadata.label).toBe(1);
    expect(records[0]?.id).toBe("0000.parquet#0");
  });
});

describe("folderSource and openDataset", () => {
  it("walks a plain folder recursively in code-point order", async () => {
    const records = await all(folderSource(flat));
    expect(records.map((r) => r.id)).toEqual(["A/x.wav", "a/z.flac.wav", "b.wav"]);
    expect(records[0]).toEqual({
      id: "A/x.wav",
      source: { path: join(flat, "A", "x.wav") },
      metadata: {},
    });
  });

  it("detects each layout", async () => {
    expect(await detectKind(sc)).toBe("speech-commands");
    expect(await detectKind(minds)).toBe("minds14");
    expect(await detectKind(flat)).toBe("folder");
    expect(await detectKind(join(root, "manifests", "clips.csv"))).toBe("manifest");
    expect(await detectKind(join(root, "manifests", "clips.jsonl"))).toBe("manifest");
    expect(await detectKind(join(root, "hf", "train", "0000.parquet"))).toBe("parquet");
    expect(await detectKind(join(root, "hf", "train"))).toBe("parquet");
    // Label folders without split lists are still the folder-per-label layout.
    const labelled = join(root, "labelled");
    clip(join(labelled, "cat", "1.wav"), 1);
    clip(join(labelled, "dog", "2.wav"), 2);
    expect(await detectKind(labelled)).toBe("speech-commands");
    await expect(detectKind(join(root, "nope"))).rejects.toMatchObject({
      code: "ERR_DATASET_LAYOUT",
    });
  });

  it("opens with the layout's options", async () => {
    const test = await openDataset(sc, { split: "test" });
    expect(test.kind).toBe("speech-commands");
    expect((await all(test)).map((r) => r.id)).toEqual([
      "no/cccc3333_nohash_0.wav",
      "yes/aaaa1111_nohash_1.wav",
    ]);
    // Iterating twice gives the same records (deterministic order).
    expect((await all(test)).length).toBe(2);
    const fr = await openDataset(minds, { language: "fr-FR" });
    expect((await all(fr)).map((r) => r.label)).toEqual(["abroad"]);
    // A Hub-style tree: <root>/hf/{test,train}/0000.parquet, found recursively in path order.
    expect(await detectKind(join(root, "hf"))).toBe("parquet");
    const tree = await openDataset(join(root, "hf"));
    expect((await all(tree)).map((r) => r.id)).toEqual([
      "test/0000.parquet#0",
      "test/0000.parquet#1",
      "test/0000.parquet#2",
      "train/0000.parquet#0",
      "train/0000.parquet#1",
      "train/0000.parquet#2",
    ]);
    const hf = await openDataset(join(root, "hf", "train"));
    expect((await all(hf)).map((r) => r.id)).toEqual([
      "0000.parquet#0",
      "0000.parquet#1",
      "0000.parquet#2",
    ]);
  });
});

describe("splitFromPath (HF's data-files rules)", () => {
  it.each([
    ["data/train-00000-of-00002.parquet", "train"],
    ["data/my_custom-00001-of-00004.parquet", "my_custom"],
    ["en-US/train/0000.parquet", "train"],
    ["dev/clip.wav", "validation"],
    ["testing/yes/a.wav", "test"],
    ["test.parquet", "test"],
    ["valid_0.jsonl", "validation"],
    ["recordings/a.wav", null],
    ["trainee.parquet", null],
  ])("%s → %s", (path, split) => {
    expect(splitFromPath(path)).toBe(split);
  });
});
