/**
 * The decode limits through this package's API: `decodeAudio` and `openAudioStream` options,
 * non-finite output after resampling, and the error rows the pipeline writes for inputs that
 * break a limit (`EmbedOptions.decodeLimits`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AudioError, decodeAudio, openAudioStream } from "../src/audio/index.js";
import type { EmbeddedChunk } from "../src/pipeline/embed.js";
import { embedRecords } from "../src/pipeline/embed.js";
import { makeTempDir, run, writeFloatWav } from "./helpers/audio-tools.js";
import { fakeModel } from "./helpers/fake-model.js";

const temp = makeTempDir("limits");
const path = (name: string) => join(temp.dir, name);

beforeAll(() => {
  // Finite samples at the float limit: every other one ±3.4e38, which overflows libsoxr's
  // filter sums (21 of 10,000 fuzz cases came out as NaN and were reported as success).
  const huge = new Float32Array(8000).map((_, i) => (i % 2 ? 3.4e38 : -3.4e38));
  writeFloatWav(path("huge.wav"), huge, 16000);
  // Two channels at +3.4e38: their float sum is Inf, their average is not.
  writeFloatWav(path("huge-stereo.wav"), new Float32Array(8000).fill(3.4e38), 16000, 2);
  run("sox", ["-n", "-r", "16000", "-b", "16", path("long.wav"), "synth", "3", "sine", "440"]);
  run("sox", ["-n", "-r", "16000", "-b", "16", path("short.wav"), "synth", "0.5", "sine", "440"]);
  const long = readFileSync(path("long.wav"));
  writeFileSync(path("truncated.wav"), long.subarray(0, 44 + 2 * 8000));
});
afterAll(() => temp.remove());

describe("decodeAudio limits", () => {
  it("fails, never succeeds, when resampling turns finite samples into NaN/Inf", async () => {
    const failure = await decodeAudio(path("huge.wav"), { targetRate: 44100 }).catch((e) => e);
    expect(failure).toBeInstanceOf(AudioError);
    expect(failure).toMatchObject({
      code: "ERR_AUDIO_NONFINITE",
      message: expect.stringMatching(/after resampling/),
    });
    const iterate = async () => {
      for await (const _ of openAudioStream(path("huge.wav"), { targetRate: 44100 })) {
        // the first chunk already fails
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: "ERR_AUDIO_NONFINITE" });
    // Without resampling the same samples are finite and are returned as they are.
    const plain = await decodeAudio(path("huge.wav"));
    expect(plain.samples[1]).toBeCloseTo(3.4e38, -33);
  });

  it("down-mixes channels at the float limit to their finite average", async () => {
    const decoded = await decodeAudio(path("huge-stereo.wav"));
    expect(decoded.samples.every(Number.isFinite)).toBe(true);
    expect(decoded.samples[0]).toBeCloseTo(3.4e38, -33);
  });

  it("caps the length with maxSeconds and says why", async () => {
    await expect(decodeAudio(path("long.wav"), { maxSeconds: 2 })).rejects.toMatchObject({
      code: "ERR_AUDIO_TOO_LONG",
      message: expect.stringMatching(/3 s of audio .* longer than the 2 s limit/),
    });
    expect((await decodeAudio(path("long.wav"), { maxSeconds: 3 })).frames).toBe(48000);
    await expect(openAudioStream(path("long.wav"), { maxSeconds: 2.5 }).info).rejects.toMatchObject(
      { code: "ERR_AUDIO_TOO_LONG" },
    );
  });

  it("fails a truncated WAV unless allowTruncated keeps what is there", async () => {
    await expect(decodeAudio(path("truncated.wav"))).rejects.toMatchObject({
      code: "ERR_AUDIO_TRUNCATED",
      message: expect.stringMatching(/header states 48000 frames, the file holds 8000/),
    });
    const kept = await decodeAudio(path("truncated.wav"), {
      allowTruncated: true,
      targetRate: 8000,
    });
    expect(kept).toMatchObject({ frames: 4000, declaredFrames: 48000, truncated: true });
    expect(kept.durationSec).toBeCloseTo(0.5, 6);
    await expect(openAudioStream(path("truncated.wav")).info).rejects.toMatchObject({
      code: "ERR_AUDIO_TRUNCATED",
    });
    let frames = 0;
    for await (const chunk of openAudioStream(path("truncated.wav"), { allowTruncated: true })) {
      frames += chunk.length;
    }
    expect(frames).toBe(8000);
  });
});

describe("pipeline error rows", () => {
  async function embed(
    names: string[],
    limits?: { maxSeconds?: number; allowTruncated?: boolean },
  ) {
    const records = names.map((name, index) => ({
      index,
      record: { id: name, source: { path: path(name) } },
    }));
    const chunks: EmbeddedChunk[] = [];
    for await (const c of embedRecords(fakeModel(), records, {
      decode: decodeAudio,
      ...(limits && { decodeLimits: limits }),
    })) {
      chunks.push(c);
    }
    return {
      rows: chunks.flatMap((c) => c.rows.map((r) => r.id)),
      errors: chunks.flatMap((c) => c.errors),
    };
  }

  it("turns a too long and a truncated input into coded error rows with the reason", async () => {
    const { rows, errors } = await embed(["short.wav", "long.wav", "truncated.wav"], {
      maxSeconds: 2,
    });
    expect(rows).toEqual(["short.wav"]);
    expect(errors.map((e) => [e.id, e.stage, e.code])).toEqual([
      ["long.wav", "decode", "ERR_TOO_LONG"],
      ["truncated.wav", "decode", "ERR_TRUNCATED"],
    ]);
    expect(errors[0]?.reason).toMatch(/^ERR_AUDIO_TOO_LONG: .*longer than the 2 s limit/);
    expect(errors[1]?.reason).toMatch(/header states 48000 frames, the file holds 8000/);
  });

  it("keeps a truncated input as a row with allowTruncated", async () => {
    const { rows, errors } = await embed(["long.wav", "truncated.wav"], { allowTruncated: true });
    expect(rows).toEqual(["long.wav", "truncated.wav"]);
    expect(errors).toEqual([]);
  });
});
