/** Bad inputs reject with stable codes and never take the process down. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AudioError, decodeAudio, openAudioStream } from "../src/audio/index.js";
import { makeTempDir, run, writeFloatWav } from "./helpers/audio-tools.js";

const temp = makeTempDir("errors");
const path = (name: string) => join(temp.dir, name);

beforeAll(() => {
  writeFileSync(path("zero-bytes.wav"), "");
  writeFileSync(
    path("garbage.wav"),
    Buffer.from("this is not audio at all, just some text".repeat(20)),
  );
  writeFloatWav(path("no-frames.wav"), new Float32Array(0), 16000);
  const nan = new Float32Array(1600).fill(0.1);
  nan[1234] = Number.NaN;
  writeFloatWav(path("nan.wav"), nan, 16000);
  const inf = new Float32Array(1600).fill(0.1);
  inf[5] = Number.POSITIVE_INFINITY;
  writeFloatWav(path("inf.wav"), inf, 16000);
  run("sox", ["-n", "-r", "16000", "-b", "16", path("good.flac"), "synth", "0.5", "sine", "440"]);
  // A FLAC whose frames are cut in the middle, and a WAV with an unknown codec tag (libsndfile
  // calls that a malformed 'fmt ' chunk: a decode error).
  const flac = readFileSync(path("good.flac"));
  writeFileSync(path("truncated.flac"), flac.subarray(0, Math.floor(flac.length / 2)));
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(0x7777, 20); // unknown format tag
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(32000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  writeFileSync(path("bad-format.wav"), header);
});
afterAll(() => temp.remove());

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AudioError);
    return (err as AudioError).code;
  }
  return "resolved";
}

describe("decoding errors", () => {
  it.each([
    ["missing.wav", "ERR_AUDIO_NOT_FOUND"],
    [".", "ERR_AUDIO_NOT_FOUND"],
    ["zero-bytes.wav", "ERR_AUDIO_EMPTY"],
    ["no-frames.wav", "ERR_AUDIO_EMPTY"],
    ["garbage.wav", "ERR_AUDIO_UNSUPPORTED"],
    ["bad-format.wav", "ERR_AUDIO_DECODE"],
    ["nan.wav", "ERR_AUDIO_NONFINITE"],
    ["inf.wav", "ERR_AUDIO_NONFINITE"],
  ])("%s -> %s", async (name, code) => {
    expect(await codeOf(decodeAudio(path(name), { targetRate: 16000 }))).toBe(code);
  });

  it("includes libsndfile's message and the file name", async () => {
    await expect(decodeAudio(path("garbage.wav"))).rejects.toThrow(
      /garbage\.wav: libsndfile: .*(not recognised|unknown)/i,
    );
    await expect(decodeAudio(path("nan.wav"))).rejects.toThrow(/frame 1234/);
  });

  it("gives the same codes for bytes in memory", async () => {
    expect(await codeOf(decodeAudio(new Uint8Array(0)))).toBe("ERR_AUDIO_EMPTY");
    expect(await codeOf(decodeAudio(new Uint8Array(Buffer.from("nope".repeat(100)))))).toBe(
      "ERR_AUDIO_UNSUPPORTED",
    );
    const nan = readFileSync(path("nan.wav"));
    expect(await codeOf(decodeAudio(new Uint8Array(nan)))).toBe("ERR_AUDIO_NONFINITE");
  });

  it("reports a truncated FLAC as truncated or undecodable, never as a short success", async () => {
    expect(await codeOf(decodeAudio(path("truncated.flac")))).toMatch(
      /^ERR_AUDIO_(DECODE|TRUNCATED)$/,
    );
  });

  it("rejects a stream's iteration with the code, and survives many failures", async () => {
    const stream = openAudioStream(path("missing.wav"));
    await expect(stream.info).rejects.toMatchObject({ code: "ERR_AUDIO_NOT_FOUND" });
    const iterate = async () => {
      for await (const _ of openAudioStream(path("nan.wav"))) {
        // unreachable: the first chunk holds the NaN
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: "ERR_AUDIO_NONFINITE" });
    const codes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        codeOf(decodeAudio(path(i % 2 ? "garbage.wav" : "missing.wav"))),
      ),
    );
    expect(new Set(codes)).toEqual(new Set(["ERR_AUDIO_UNSUPPORTED", "ERR_AUDIO_NOT_FOUND"]));
    const ok = await decodeAudio(path("good.flac"));
    expect(ok.frames).toBe(8000);
  });

  it("rejects bad arguments with TypeError/RangeError", async () => {
    await expect(decodeAudio(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(decodeAudio(path("good.flac"), { targetRate: -5 })).rejects.toThrow(RangeError);
    await expect(decodeAudio(path("good.flac"), { signal: AbortSignal.abort() })).rejects.toThrow(
      /abort/i,
    );
  });
});
