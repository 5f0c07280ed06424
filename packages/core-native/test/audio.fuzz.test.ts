/**
 * Fuzzing the decoder: thousands of deterministic mutations of small seed files (WAV PCM16,
 * WAV float32, 24-bit stereo WAV, AIFF, FLAC, Ogg Vorbis, Opus, MP3 with and without a Xing
 * header; test/fixtures/audio-seeds, made by its generate.sh). For every case, decoding from
 * a path and from the same bytes in memory must:
 * - settle (no crash: this forked worker survives; no hang) within 2 s each;
 * - on success, give at least one frame and only finite samples;
 * - agree: the same error code, or the same frames, bit for bit.
 * Every fourth case is also streamed through AudioReader, which must agree with the one-shot
 * decode the same way. Cases run until the time budget is spent, but never fewer than
 * MIN_CASES, so a slow machine still runs enough of them to fail. AUDIOMAP_FUZZ_SEED picks
 * another deterministic sequence (for local exploration).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { native } from "../src/binding.js";
import { describeSeed, type Mutant, mutate, Rng } from "./helpers/audio-mutations.js";

const SEED = Number(process.env.AUDIOMAP_FUZZ_SEED ?? 17);
const MIN_CASES = 1500;
const MAX_CASES = 6000;
const BUDGET_MS = 60_000;
const MAX_DECODE_MS = 2000;
/** A decode still pending after this is reported as a hang instead of stalling the run. */
const HANG_MS = 15_000;
const RATES = [16000, 0, 44100, 8000];

const seedDir = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "audio-seeds");
const seeds = readdirSync(seedDir)
  .filter((name) => !name.endsWith(".sh"))
  .sort()
  .map((name) => describeSeed(name, new Uint8Array(readFileSync(join(seedDir, name)))));
const temp = mkdtempSync(join(tmpdir(), "audiomap-fuzz-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** How one decode ended. */
type Outcome =
  | { ok: true; frames: number; samples: Float32Array; ms: number }
  | { ok: false; code: string; message: string; ms: number };

async function settle(work: () => Promise<Float32Array>): Promise<Outcome> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("hang"), { code: "HANG" })), HANG_MS);
  });
  try {
    const samples = await Promise.race([work(), hang]);
    return { ok: true, frames: samples.length, samples, ms: performance.now() - t0 };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { ok: false, code: e.code ?? "NO_CODE", message: e.message, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

async function stream(bytes: Uint8Array, rate: number): Promise<Float32Array> {
  const reader = new (native().AudioReader)();
  try {
    await reader.open(bytes, rate);
    const chunks: Float32Array[] = [];
    for (;;) {
      const chunk = await reader.read(3000);
      if (chunk === null) break;
      chunks.push(chunk);
    }
    const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } finally {
    reader.close();
  }
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length &&
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;

const show = (o: Outcome) =>
  o.ok ? `ok ${o.frames} frames` : `${o.code} (${o.message.slice(0, 120)})`;

/** What is wrong with one decode's outcome on its own. */
function faults(side: string, o: Outcome): string[] {
  const found: string[] = [];
  if (o.ms > MAX_DECODE_MS) found.push(`${side} took ${o.ms.toFixed(0)} ms`);
  // A decoder failure always carries one of the audio codes (NOT_FOUND cannot happen here).
  if (!o.ok && !(o.code.startsWith("ERR_AUDIO_") && o.code !== "ERR_AUDIO_NOT_FOUND")) {
    found.push(`${side} failed without a decoder code: ${show(o)}`);
  }
  if (o.ok && o.frames === 0) found.push(`${side} succeeded with 0 frames`);
  if (o.ok && !o.samples.every(Number.isFinite)) found.push(`${side} succeeded with NaN/Inf`);
  return found;
}

/** Two decodes of the same input must fail with the same code or give the same samples. */
function disagreement(what: string, a: Outcome, b: Outcome): string[] {
  if (a.ok !== b.ok || (!a.ok && !b.ok && a.code !== b.code)) {
    return [`${what} disagree: ${show(a)} vs ${show(b)}`];
  }
  if (a.ok && b.ok && !sameBits(a.samples, b.samples)) {
    return [`${what} disagree on samples: ${a.frames} vs ${b.frames} frames`];
  }
  return [];
}

describe("decoder fuzz", () => {
  it(`survives ${MIN_CASES}+ mutated inputs with coded errors, finite non-empty output and bytes/path agreement`, {
    timeout: BUDGET_MS + 120_000,
  }, async () => {
    expect(seeds.map((s) => extname(s.name)).sort()).toEqual(
      [".aiff", ".flac", ".mp3", ".mp3", ".ogg", ".opus", ".wav", ".wav", ".wav"].sort(),
    );
    const failures: string[] = [];
    const codes = new Map<string, number>();
    let cases = 0;
    let slowest = { ms: 0, label: "" };
    native(); // load the addon (and LibTorch) before any decode is timed
    const t0 = performance.now();
    while (cases < MAX_CASES && (cases < MIN_CASES || performance.now() - t0 < BUDGET_MS)) {
      const i = cases++;
      const rng = new Rng(SEED * 1_000_003 + i);
      const seed = seeds[i % seeds.length] as (typeof seeds)[number];
      const mutant: Mutant = mutate(seed, rng);
      const rate = RATES[Math.floor(i / seeds.length) % RATES.length] as number;
      // The mutant keeps its seed's extension, so a decoder that trusts names would show it.
      const path = join(temp, `case${extname(seed.name)}`);
      writeFileSync(path, mutant.bytes);
      const fromPath = await settle(async () => (await native().decodeAudio(path, rate)).samples);
      const fromBytes = await settle(
        async () => (await native().decodeAudio(mutant.bytes, rate)).samples,
      );
      const label = `case ${i} (${seed.name}, ${mutant.what}, rate ${rate})`;
      const found = [
        ...faults("path", fromPath),
        ...faults("bytes", fromBytes),
        ...disagreement("path and bytes", fromPath, fromBytes),
      ];
      if (i % 4 === 0) {
        const streamed = await settle(() => stream(mutant.bytes, rate));
        found.push(
          ...faults("stream", streamed),
          ...disagreement("decode and stream", fromBytes, streamed),
        );
      }
      for (const p of found) failures.push(`${label}: ${p}`);
      const key = fromBytes.ok ? "ok" : fromBytes.code;
      codes.set(key, (codes.get(key) ?? 0) + 1);
      const ms = Math.max(fromPath.ms, fromBytes.ms);
      if (ms > slowest.ms) slowest = { ms, label };
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `decoder fuzz: ${cases} cases in ${seconds.toFixed(1)} s, ${failures.length} problems; slowest decode ${slowest.ms.toFixed(0)} ms, ${slowest.label};`,
      Object.fromEntries([...codes].sort()),
    );
    expect(cases).toBeGreaterThanOrEqual(MIN_CASES);
    expect(failures.slice(0, 25)).toEqual([]);
    // The mutations must reach both outcomes, or the fuzz tests nothing.
    expect(codes.get("ok") ?? 0).toBeGreaterThan(cases / 20);
    expect(codes.size).toBeGreaterThan(4);
  });
});
