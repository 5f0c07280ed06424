/**
 * The CLI under faults that used to lose work or hide the cause (issue 17 §1, §4, §7): each
 * case failed before its fix. The tiny fixture model on generated clips, on the CPU.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cli, ROOT, requireBuilt, TINY } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-faults-"));
const clips = join(dir, "clips");
const common = ["--model", TINY, "--device", "cpu", "--threads", "1", "-q"];

beforeAll(() => {
  requireBuilt();
  mkdirSync(clips, { recursive: true });
  for (const [i, f] of [220, 330, 440].entries())
    execFileSync("sox", [
      "-n",
      "-r",
      "16000",
      "-c",
      "1",
      join(clips, `c${i}.wav`),
      "synth",
      "0.5",
      "sine",
      String(f),
    ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Parquet run with a chunk of failures only (§1)", () => {
  it("finishes: one good and one missing file at --chunk-size 1 exits 3 with both accounted for", () => {
    const manifest = join(dir, "two.csv");
    writeFileSync(manifest, `path\n${join(clips, "c0.wav")}\n${join(dir, "gone.wav")}\n`);
    const out = join(dir, "two.parquet");
    const r = cli(["embed", manifest, "-o", out, "--chunk-size", "1", ...common, "--json"]);
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: 1, failed: 1 });
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-") || f.endsWith(".parts"))).toEqual([]);
  });
});

describe("outputs checked before the model loads (§7)", () => {
  it("an output that is a folder exits 2 at once, leaving nothing behind", () => {
    const out = join(dir, "taken.parquet");
    mkdirSync(out);
    const r = cli(["embed", clips, "-o", out, ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${out} is a folder`);
    expect(readdirSync(dir).filter((f) => f.startsWith("taken.parquet"))).toEqual([
      "taken.parquet",
    ]);
  });

  // root ignores file modes: as root the run drops the capabilities that let it (setpriv).
  const asRoot = process.getuid?.() === 0;
  const dropDac = [
    ...["--inh-caps=-dac_override,-dac_read_search"],
    ...["--bounding-set=-dac_override,-dac_read_search", "--"],
  ];
  const runner = !asRoot || spawnSync("setpriv", [...dropDac, "true"]).status === 0;
  it.skipIf(!runner)(
    "a read-only output folder exits 2 saying permission denied, not ENOENT",
    () => {
      const ro = join(dir, "ro");
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      const out = join(ro, "out.parquet");
      const args = [CLI, "embed", clips, "-o", out, ...common];
      const r = asRoot
        ? spawnSync("setpriv", [...dropDac, process.execPath, ...args], { encoding: "utf8" })
        : spawnSync(process.execPath, args, { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`cannot write the output in ${ro}: permission denied (EACCES)`);
      expect(readdirSync(ro)).toEqual([]);
    },
  );

  it("--window no longer than --overlap exits 2 before any work", () => {
    const r = cli([
      "embed",
      clips,
      "-o",
      join(dir, "w.parquet"),
      "--window",
      "1",
      "--overlap",
      "1",
      ...common,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--window (1 s) must be longer than --overlap (1 s)");
  });

  it("fractional shard variables exit 2 instead of writing an empty shard", () => {
    const out = join(dir, "shard.parquet");
    const r = cli(["embed", clips, "-o", out, ...common], {
      SLURM_ARRAY_TASK_ID: "1.5",
      SLURM_ARRAY_TASK_COUNT: "2",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SLURM_ARRAY_TASK_ID="1.5" is not a whole number');
    expect(existsSync(out)).toBe(false);
  });
});

describe("models whose metadata lies (§4)", () => {
  it("is refused at load with a clear reason, before any clip is embedded", () => {
    const bad = join(dir, "models");
    mkdirSync(bad, { recursive: true });
    execFileSync("/usr/bin/python3", [
      join(ROOT, "packages/core-native/test/python/make_invalid.py"),
      bad,
      TINY,
    ]);
    for (const [file, message] of [
      ["wrong-hidden.pt", "hidden_size is 64 but the hidden states are 32 wide"],
      ["nan-weights.pt", "not finite"],
      ["rate-0.pt", "sampling_rate 0 is not a whole number of Hz"],
    ]) {
      const out = join(dir, `${file}.parquet`);
      const r = cli([
        "embed",
        clips,
        "-o",
        out,
        ...common.slice(2),
        "--model",
        join(bad, file as string),
      ]);
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toContain(message);
      expect(r.stderr, file).not.toMatch(/RangeError|at .*\.js:\d+/);
      expect(existsSync(out), file).toBe(false);
    }
  });
});

describe("manifests (§7)", () => {
  it("a UTF-16 manifest with a ragged row embeds every good row and reports the bad one", () => {
    const text = `path,label\n${join(clips, "c0.wav")},a\n${join(clips, "c1.wav")},b,extra\n${join(clips, "c2.wav")},c\n`;
    const manifest = join(dir, "utf16.csv");
    writeFileSync(
      manifest,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
    );
    const out = join(dir, "utf16.parquet");
    const r = cli(["embed", manifest, "-o", out, ...common, "--json"]);
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: 2, failed: 1 });
  });
});
