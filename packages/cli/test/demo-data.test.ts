/**
 * The demo's data cache with a stand-in generator (a small Python script with gen_data.py's
 * command line), so the stamp, reuse, regeneration and failure paths run without espeak-ng.
 */
import {
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
import { afterAll, describe, expect, it } from "vitest";
import { ensureDemoData, speechCommandsWords } from "../src/demo/data.js";
import { topOneAccuracy } from "../src/demo/predict.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-demo-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Writes --test-per-word empty "wav" files per label, the split lists and a manifest, like
// gen_data.py; FAKE_FAIL=1 makes it fail halfway, FAKE_SHORT=1 makes it write one clip too few.
const fake = join(dir, "fake_gen.py");
writeFileSync(
  fake,
  `import argparse, json, os, sys
p = argparse.ArgumentParser()
for a in ["--out", "--seed", "--train-per-word", "--val-per-word", "--test-per-word", "--labels", "--jobs"]:
    p.add_argument(a)
a = p.parse_args()
labels = a.labels.split(",")
os.makedirs(a.out)
paths = []
for l in labels:
    os.makedirs(os.path.join(a.out, l))
    for k in range(int(a.test_per_word)):
        paths.append(f"{l}/v_nohash_{k}.wav")
        open(os.path.join(a.out, paths[-1]), "wb").close()
        if os.environ.get("FAKE_FAIL"):
            sys.exit("espeak-ng: broken")
if os.environ.get("FAKE_SHORT"):
    os.remove(os.path.join(a.out, paths.pop()))
open(os.path.join(a.out, "testing_list.txt"), "w").write("".join(x + "\\n" for x in paths))
open(os.path.join(a.out, "validation_list.txt"), "w").write("")
json.dump({"variants": {"testing": ["m4", "f2"]}, "seed": int(a.seed)}, open(os.path.join(a.out, "manifest.json"), "w"))
`,
);

const base = { words: ["yes", "no"], perWord: 3, generator: fake, python: "/usr/bin/python3" };

describe("demo data cache", () => {
  const data = join(dir, "data");

  it("generates, stamps, then reuses", async () => {
    const first = await ensureDemoData({ ...base, dir: data });
    expect(first).toMatchObject({ clips: 6, reused: false, voices: ["m4", "f2"] });
    const stamp = JSON.parse(readFileSync(join(data, "audiomap-demo.json"), "utf8"));
    expect(stamp.params).toMatchObject({ words: ["yes", "no"], perWord: 3, seed: 1234 });
    // The trainer's voice-split seed is passed whatever the demo's own --seed is.
    expect(JSON.parse(readFileSync(join(data, "manifest.json"), "utf8")).seed).toBe(1234);
    const mtime = statSync(join(data, "yes/v_nohash_0.wav")).mtimeMs;
    const again = await ensureDemoData({ ...base, dir: data });
    expect(again).toMatchObject({ clips: 6, reused: true, voices: ["m4", "f2"] });
    expect(statSync(join(data, "yes/v_nohash_0.wav")).mtimeMs).toBe(mtime);
  });

  it("regenerates when a parameter or a listed clip changes", async () => {
    const more = await ensureDemoData({ ...base, dir: data, perWord: 4 });
    expect(more).toMatchObject({ clips: 8, reused: false });
    rmSync(join(data, "no/v_nohash_2.wav"));
    const repaired = await ensureDemoData({ ...base, dir: data, perWord: 4 });
    expect(repaired).toMatchObject({ clips: 8, reused: false });
    expect(existsSync(join(data, "no/v_nohash_2.wav"))).toBe(true);
  });

  it("keeps the old set and leaves nothing behind when the generator fails", async () => {
    process.env.FAKE_FAIL = "1";
    try {
      await expect(ensureDemoData({ ...base, dir: data, perWord: 5 })).rejects.toThrow(
        /generating the keyword data failed[\s\S]*espeak-ng: broken/,
      );
    } finally {
      delete process.env.FAKE_FAIL;
    }
    process.env.FAKE_SHORT = "1";
    try {
      await expect(ensureDemoData({ ...base, dir: data, perWord: 5 })).rejects.toThrow(
        /wrote 9 of 10 clips/,
      );
    } finally {
      delete process.env.FAKE_SHORT;
    }
    const partials = readdirSync(dir).filter((f) => f.includes("partial"));
    expect(partials).toEqual([]);
    // The previous complete set is still there and still valid.
    expect(await ensureDemoData({ ...base, dir: data, perWord: 4 })).toMatchObject({
      clips: 8,
      reused: true,
    });
  });

  it("never overwrites a folder without the stamp", async () => {
    const foreign = join(dir, "foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "keep.txt"), "x");
    await expect(ensureDemoData({ ...base, dir: foreign })).rejects.toThrow(
      /not made by audiomap demo/,
    );
    expect(readFileSync(join(foreign, "keep.txt"), "utf8")).toBe("x");
  });
});

describe("demo helpers", () => {
  it("lists the 35 Speech Commands words in id order, without _silence_", async () => {
    const words = await speechCommandsWords(
      new URL("../../../tools/train/labels.json", import.meta.url).pathname,
    );
    expect(words).toHaveLength(35);
    expect(words).not.toContain("_silence_");
    expect(new Set(words).size).toBe(35);
    for (const w of ["yes", "no", "backward", "visual", "sheila"]) expect(words).toContain(w);
  });

  it("computes top-1 accuracy over clips that have a prediction", () => {
    expect(topOneAccuracy(["a", "b", "a", "c"], ["a", "a", "a", ""])).toBeCloseTo(2 / 3, 12);
    expect(topOneAccuracy(["a"], [""])).toBeNaN();
  });
});
