/**
 * `audiomap embed --features mfcc|logmel`: baseline features through the embed pipeline, checked
 * against `computeFeatures` on the same decoded audio; `--features` with `--model` is a usage error.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { computeFeatures, decodeAudio } from "@audiomap/embeddings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = resolve(__dirname, "../dist/main.js");
const dir = mkdtempSync(join(tmpdir(), "audiomap-features-"));
const audio = join(dir, "audio");

function audiomap(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Reads a little-endian float32 C-order 2-D .npy file. */
function readNpy(path: string): { shape: number[]; data: Float32Array } {
  const buf = readFileSync(path);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLen).toString("latin1");
  expect(header).toContain("'descr': '<f4'");
  expect(header).toContain("'fortran_order': False");
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? "")
    .split(",")
    .filter((s) => s.trim())
    .map(Number);
  const body = buf.subarray(10 + headerLen);
  const data = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
  return { shape, data };
}

beforeAll(() => {
  mkdirSync(audio, { recursive: true });
  // Speech at espeak's 22.05 kHz (resampled by the pipeline) and two sox signals.
  execFileSync("espeak-ng", ["-w", join(audio, "yes.wav"), "yes"]);
  execFileSync("sox", [
    "-n",
    "-r",
    "16000",
    "-b",
    "16",
    join(audio, "tone.wav"),
    "synth",
    "0.7",
    "sine",
    "440",
    "vol",
    "0.4",
  ]);
  execFileSync("sox", [
    "-n",
    "-r",
    "8000",
    "-b",
    "16",
    join(audio, "noise.wav"),
    "synth",
    "1.2",
    "pinknoise",
    "vol",
    "0.2",
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("audiomap embed --features", () => {
  it("writes one 40-wide MFCC row per clip equal to computeFeatures on the decoded audio", async () => {
    const out = join(dir, "mfcc.npy");
    const r = audiomap("embed", audio, "-o", out, "--features", "mfcc", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: 3, failed: 0, dim: 40 });
    const { shape, data } = readNpy(out);
    expect(shape).toEqual([3, 40]);
    const meta = readFileSync(join(dir, "mfcc.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { index: number; path: string });
    expect(meta.map((m) => m.path.split("/").pop()).sort()).toEqual([
      "noise.wav",
      "tone.wav",
      "yes.wav",
    ]);
    for (const m of meta) {
      const decoded = await decodeAudio(m.path, { targetRate: 16000 });
      const ref = computeFeatures(decoded.samples, 16000, { kind: "mfcc" }).vector;
      const row = data.subarray(m.index * 40, (m.index + 1) * 40);
      let worst = 0;
      for (let i = 0; i < 40; i++) worst = Math.max(worst, Math.abs(row[i]! - ref[i]!));
      expect(worst, m.path).toBeLessThan(1e-5);
      // Not a constant vector: the clips differ.
      expect(new Set(row).size).toBeGreaterThan(1);
    }
  });

  it("writes 128-wide log-mel rows", () => {
    const out = join(dir, "logmel.npy");
    const r = audiomap("embed", audio, "-o", out, "--features", "logmel", "-q");
    expect(r.code, r.stderr).toBe(0);
    expect(readNpy(out).shape).toEqual([3, 128]);
  });

  it("rejects --features with --model or --frames (exit 2) and unknown kinds", () => {
    const both = audiomap(
      "embed",
      audio,
      "-o",
      join(dir, "x.npy"),
      "--features",
      "mfcc",
      "--model",
      "m.pt",
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--features and --model/);
    const frames = audiomap(
      "embed",
      audio,
      "-o",
      join(dir, "f.parquet"),
      "--features",
      "mfcc",
      "--frames",
    );
    expect(frames.code).toBe(2);
    const bad = audiomap("embed", audio, "-o", join(dir, "y.npy"), "--features", "wavelet");
    expect(bad.code).toBe(2);
  });
});
