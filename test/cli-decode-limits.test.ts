/**
 * The decode limits on the command line: `--max-seconds` and `--allow-truncated` on
 * `audiomap embed` (baseline features, so no model is needed) and `audiomap classify` (the tiny
 * fixture model). An input past the limit, or truncated, is an error row with its reason and
 * the run exits 3; `--allow-truncated` keeps what a truncated file holds.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, requireBuilt, TINY } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-limits-cli-"));
const clips = join(dir, "clips");
const clip = (name: string) => join(clips, name);
const sox = (out: string, seconds: number) =>
  execFileSync("sox", ["-n", "-r", "16000", "-b", "16", out, "synth", `${seconds}`, "sine", "440"]);

beforeAll(() => {
  requireBuilt();
  mkdirSync(clips);
  sox(clip("ok.wav"), 1);
  sox(clip("long.wav"), 3);
  // The header promises 3 s (48,000 frames); 0.5 s (8,000) are present.
  writeFileSync(clip("truncated.wav"), readFileSync(clip("long.wav")).subarray(0, 44 + 16000));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const errorRows = (output: string) =>
  readFileSync(`${output}.errors.jsonl`, "utf8")
    .trim()
    .split("\n")
    .map(
      (line) => JSON.parse(line) as { path: string; stage: string; code: string; reason: string },
    )
    .sort((a, b) => a.path.localeCompare(b.path));

describe("audiomap embed --max-seconds / --allow-truncated", () => {
  const embed = (out: string, ...flags: string[]) =>
    cli(["embed", clips, "-o", join(dir, out), "--features", "mfcc", "-q", ...flags]);

  it("writes an error row with the reason for a file past the limit and a truncated one (exit 3)", () => {
    const r = embed("limited.parquet", "--max-seconds", "2", "--json");
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: 1, failed: 2 });
    const errors = errorRows(join(dir, "limited.parquet"));
    expect(errors.map((e) => [basename(e.path), e.stage, e.code])).toEqual([
      ["long.wav", "decode", "ERR_TOO_LONG"],
      ["truncated.wav", "decode", "ERR_TRUNCATED"],
    ]);
    expect(errors[0]?.reason).toMatch(/3 s of audio .* longer than the 2 s limit/);
    expect(errors[1]?.reason).toMatch(/header states 48000 frames, the file holds 8000/);
  });

  it("keeps the frames of a truncated file with --allow-truncated; the 4 h default passes 3 s", () => {
    const r = embed("allowed.parquet", "--allow-truncated", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: 3, failed: 0 });
  });

  it("refuses a --max-seconds that is not a positive number", () => {
    const r = embed("x.parquet", "--max-seconds", "0");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--max-seconds.*positive number/);
  });
});

describe("audiomap classify --max-seconds / --allow-truncated", () => {
  const base = ["--model", TINY, "--device", "cpu", "--threads", "1", "--json", "-q"];

  it("reports each clip past the limit or truncated as an error (exit 3)", () => {
    const files = ["ok.wav", "long.wav", "truncated.wav"].map(clip);
    const r = cli(["classify", ...files, ...base, "--max-seconds", "2"]);
    expect(r.code, r.stderr).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: 1, failed: 2 });
    expect(doc.clips.map((c: { error?: { code: string } }) => c.error?.code ?? "ok")).toEqual([
      "ok",
      "ERR_TOO_LONG",
      "ERR_TRUNCATED",
    ]);
    const kept = JSON.parse(cli(["classify", ...files, ...base, "--allow-truncated"]).stdout);
    expect(kept).toMatchObject({ ok: 3, failed: 0 });
  });

  it("applies the limit to --detect too", () => {
    const r = cli(["classify", clip("long.wav"), ...base, "--detect", "--max-seconds", "2"]);
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout).clips[0].error.code).toMatch(/TOO_LONG/);
  });
});
