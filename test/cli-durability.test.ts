/**
 * Durability end to end (issue 17 §2, §3, §6, §7; docs/reliability.md): what
 * `embed --resume` refuses to mix, what `merge` checks, and the output set after a SIGKILL at
 * each named point of finalisation (the AUDIOMAP_TEST_KILL_AT test hook) or a full disk
 * (AUDIOMAP_TEST_ENOSPC). Provenance is read with hyparquet, an independent Parquet reader.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  copyFileSync,
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
import { CLI, cli, requireBuilt, TINY } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-durability-"));
const srcA = join(dir, "a");
const srcB = join(dir, "b");
const common = ["--model", TINY, "--device", "cpu", "--threads", "1", "--chunk-size", "4", "-q"];

/** `n` short tones, and `bad` files that are not audio, in `folder`. */
function clips(folder: string, n: number, bad: number, pitch: number): void {
  mkdirSync(folder, { recursive: true });
  const make = Array.from(
    { length: n },
    (_, i) =>
      `sox -n -r 16000 -b 16 ${join(folder, `c${String(i).padStart(3, "0")}.wav`)} synth 0.${4 + (i % 5)} sine ${pitch + 37 * i} vol 0.5`,
  ).join(" && ");
  execFileSync("bash", ["-c", make]);
  for (let i = 0; i < bad; i++) writeFileSync(join(folder, `z${i}-corrupt.wav`), "RIFF not audio");
}

beforeAll(() => {
  requireBuilt();
  clips(srcA, 13, 1, 200);
  clips(srcB, 10, 2, 500);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `audiomap embed` killed or not: its exit code, or the signal that ended it. */
function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: r.status, signal: r.signal, stderr: r.stderr, stdout: r.stdout };
}

function bytes(path: string): ArrayBuffer {
  const buf = readFileSync(path);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

async function rows(path: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: bytes(path) });
}

function provenance(path: string): Record<string, unknown> {
  const kv = parquetMetadata(bytes(path)).key_value_metadata?.find((e) => e.key === "audiomap");
  return JSON.parse(kv?.value ?? "{}");
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("embed --resume refuses what it would mix (§2)", () => {
  it("refuses rows added to the manifest of an interrupted run", async () => {
    const manifest = join(dir, "list.csv");
    const paths = readdirSync(srcA)
      .filter((n) => n.startsWith("c"))
      .map((n) => join(srcA, n));
    writeFileSync(manifest, `path\n${paths.join("\n")}\n`);
    const out = join(dir, "manifest.parquet");
    const killed = run(["embed", manifest, "-o", out, ...common], {
      AUDIOMAP_TEST_KILL_AT: "part:2",
    });
    expect(killed.signal).toBe("SIGKILL");
    const saved = readFileSync(manifest, "utf8");
    // Rows inserted before the interrupted run's last record: every later index moves.
    writeFileSync(manifest, `path\n${[paths[5], paths[6], ...paths].join("\n")}\n`);
    const r = run(["embed", manifest, "-o", out, ...common, "--resume"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /cannot resume: the interrupted run used different settings or another source \(source\.bytes: \d+ ≠ \d+; source\.sha256: .*\[ERR_RESUME_MISMATCH\]/,
    );
    expect(existsSync(out)).toBe(false);
    writeFileSync(manifest, saved);
    const done = run(["embed", manifest, "-o", out, ...common, "--resume"]);
    expect(done.code, done.stderr).toBe(0);
    const got = await rows(out);
    expect(got.map((x) => x.path)).toEqual(paths);
    expect(got.map((x) => Number(x.index))).toEqual(paths.map((_, i) => i));
  });

  it("refuses --dtype bfloat16 after a float32 run", () => {
    const out = join(dir, "dtype.parquet");
    expect(
      run(["embed", srcA, "-o", out, ...common], { AUDIOMAP_TEST_KILL_AT: "part:1" }).signal,
    ).toBe("SIGKILL");
    const r = run(["embed", srcA, "-o", out, ...common, "--resume", "--dtype", "bfloat16"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('dtype: "float32" ≠ "bfloat16"');
    expect(run(["embed", srcA, "-o", out, ...common, "--resume"]).code).toBe(3);
  });

  it("refuses a finished output resumed with other settings or source; the same exits as it did (§7)", () => {
    const out = join(dir, "finished.parquet");
    expect(run(["embed", srcA, "-o", out, ...common]).code).toBe(3);
    const before = sha256(out);
    const refused: [string[], string][] = [
      [["--layer", "1"], 'layer: "-1" ≠ "1"'],
      [["--pool", "max"], 'pool: "mean" ≠ "max"'],
      [["--shard", "0/2"], 'shard: null ≠ {"index":0,"count":2}'],
      [["--overlap", "1"], "overlap_sec: 2 ≠ 1"],
    ];
    for (const [flags, why] of refused) {
      const r = run(["embed", srcA, "-o", out, ...common, "--resume", ...flags]);
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.stderr).toContain(`${out} is complete but was made with different settings`);
      expect(r.stderr).toContain(why);
    }
    const other = run(["embed", srcB, "-o", out, ...common, "--resume"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/source\.files: 14 ≠ 12; source\.bytes/);
    expect(sha256(out)).toBe(before);
    const same = run(["embed", srcA, "-o", out, ...common.filter((a) => a !== "-q"), "--resume"]);
    expect(same.code, same.stderr).toBe(3);
    expect(same.stderr).toContain("13 embedded, 1 failed (already complete)");
  });
});

describe("merge checks the shards (§3)", () => {
  const shard = (src: string, i: number, n: number, name = "s") => {
    const out = join(dir, "merge", `${name}${i}of${n}.parquet`);
    const r = run(["embed", src, "-o", out, ...common, "--shard", `${i}/${n}`]);
    expect([0, 3]).toContain(r.code);
    return out;
  };

  it("exits 2 for a shard missing, twice or from another source, and 1 for a shard not whole", () => {
    const [s0, s1] = [shard(srcA, 0, 2), shard(srcA, 1, 2)];
    const out = join(dir, "merge", "m.parquet");
    const one = cli(["merge", s0, "-o", out]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("missing shard 1/2: merge needs all 2 shards [ERR_MERGE_SHARDS]");
    const twice = cli(["merge", s0, s0, "-o", out]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("shard 0/2 is given twice");
    const foreign = cli(["merge", s0, shard(srcB, 1, 2, "b"), "-o", out]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/was made with other settings than .*source\.files: 14 ≠ 12/);
    const errors = `${s1}.errors.jsonl`;
    copyFileSync(errors, `${errors}.bak`);
    writeFileSync(errors, "");
    const altered = cli(["merge", s0, s1, "-o", out]);
    expect(altered.code).toBe(1);
    expect(altered.stderr).toMatch(/not the one written with it .*\[ERR_OUTPUT_INCOMPLETE\]/);
    expect(existsSync(out)).toBe(false);
    copyFileSync(`${errors}.bak`, errors);
    const ok = cli(["merge", s1, s0, "-o", out, "--json"]);
    expect(ok.code, ok.stderr).toBe(3);
    expect(JSON.parse(ok.stdout)).toMatchObject({ rows: 13, errors: 1, inputs: 2 });
  });

  it("merges a shard with no record and one whose every record failed", async () => {
    const few = join(dir, "few");
    clips(few, 2, 1, 300);
    // 3 records in 4 shards: shard 2 is the corrupt file alone, shard 3 is empty.
    const parts = [0, 1, 2, 3].map((i) => shard(few, i, 4, "few"));
    expect(provenance(parts[2] as string)).toMatchObject({ rows: 0, errors: 1 });
    expect(provenance(parts[3] as string)).toMatchObject({ rows: 0, errors: 0 });
    const out = join(dir, "merge", "few.parquet");
    const m = cli(["merge", ...parts, "-o", out, "--json"]);
    expect(m.code, m.stderr).toBe(3);
    expect(JSON.parse(m.stdout)).toMatchObject({ rows: 2, errors: 1, inputs: 4 });
    const whole = join(dir, "merge", "few-whole.parquet");
    expect(run(["embed", few, "-o", whole, ...common]).code).toBe(3);
    expect((await rows(out)).map((r) => r.id)).toEqual((await rows(whole)).map((r) => r.id));
  });
});

describe("an output set survives kill -9 and a full disk (§6)", () => {
  let reference: { rows: Record<string, unknown>[]; errors: string };
  beforeAll(async () => {
    const out = join(dir, "ref", "out.parquet");
    expect(run(["embed", srcA, "-o", out, ...common]).code).toBe(3);
    reference = { rows: await rows(out), errors: readFileSync(`${out}.errors.jsonl`, "utf8") };
  });

  /**
   * The output set in `folder` after an interruption: complete (its errors file is the one its
   * provenance names) and from source A or B, or absent.
   */
  function state(folder: string): "a" | "b" | "none" {
    const out = join(folder, "out.parquet");
    if (!existsSync(out)) return "none";
    const p = provenance(out);
    expect(sha256(`${out}.errors.jsonl`)).toBe(p.errors_sha256);
    return p.source_path === srcA ? "a" : "b";
  }

  it.each([
    ["before-finalise", "b"],
    ["old-set-removed", "none"],
    ["errors-written", "none"],
    ["temp:out.parquet", "none"],
    ["committed", "a"],
    ["parts-trashed", "a"],
  ])(
    "at %s: the set is whole or absent, and --resume finishes it and leaves nothing else",
    async (point, after) => {
      const folder = join(dir, `kill-${point.replace(":", "-")}`);
      const out = join(folder, "out.parquet");
      // An earlier run into the same name, from another source with other error rows.
      expect(run(["embed", srcB, "-o", out, ...common]).code).toBe(3);
      const killed = run(["embed", srcA, "-o", out, ...common], { AUDIOMAP_TEST_KILL_AT: point });
      expect(killed.signal, killed.stderr).toBe("SIGKILL");
      expect(state(folder)).toBe(after);
      if (point.startsWith("temp:"))
        expect(readdirSync(folder).some((n) => n.includes(".tmp-"))).toBe(true);
      const r = run(["embed", srcA, "-o", out, ...common, "--resume"]);
      expect(r.code, r.stderr).toBe(3);
      expect(await rows(out)).toEqual(reference.rows);
      expect(readFileSync(`${out}.errors.jsonl`, "utf8")).toBe(reference.errors);
      expect(readdirSync(folder).sort()).toEqual(["out.parquet", "out.parquet.errors.jsonl"]);
    },
  );

  it.each(["temp:out.csv", "data-written"])(
    "at %s a CSV set has no sidecar until it is whole",
    (point) => {
      const folder = join(dir, `csv-${point.replace(":", "-")}`);
      const out = join(folder, "out.csv");
      const killed = run(["embed", srcA, "-o", out, ...common], { AUDIOMAP_TEST_KILL_AT: point });
      expect(killed.signal).toBe("SIGKILL");
      expect(existsSync(`${out}.audiomap.json`)).toBe(false);
      expect(run(["embed", srcA, "-o", out, ...common, "--resume"]).code).toBe(3);
      const side = JSON.parse(readFileSync(`${out}.audiomap.json`, "utf8"));
      expect(side).toMatchObject({
        rows: 13,
        errors: 1,
        errors_sha256: sha256(`${out}.errors.jsonl`),
      });
      expect(readdirSync(folder).sort()).toEqual([
        "out.csv",
        "out.csv.audiomap.json",
        "out.csv.errors.jsonl",
      ]);
    },
  );

  it("ENOSPC on the final write exits 1 with what to do, leaves no mixed set, and --resume finishes", async () => {
    const folder = join(dir, "full");
    const out = join(folder, "out.parquet");
    expect(run(["embed", srcB, "-o", out, ...common]).code).toBe(3);
    for (const file of ["out.parquet.errors.jsonl", "out.parquet"]) {
      const r = run(["embed", srcA, "-o", out, ...common], { AUDIOMAP_TEST_ENOSPC: file });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/ENOSPC: no space left on device.*rerun with --resume/);
      expect(state(folder)).toBe("none");
    }
    appendFileSync(join(folder, "unrelated.txt"), "kept");
    expect(run(["embed", srcA, "-o", out, ...common, "--resume"]).code).toBe(3);
    expect(await rows(out)).toEqual(reference.rows);
    expect(readdirSync(folder).sort()).toEqual([
      "out.parquet",
      "out.parquet.errors.jsonl",
      "unrelated.txt",
    ]);
  });
});
