/**
 * The decoder's limits (src/native/audio/decode_limits.h), one regression per failure the
 * reliability pass reported: sample-rate bombs, length caps, truncated files, empty output and
 * path/bytes disagreement. Inputs are made here with sox or by patching seed bytes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NativeDecodeLimits, native } from "../src/binding.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-limits-"));
const file = (name: string) => join(dir, name);
const seed = (name: string) =>
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures", "audio-seeds", name));
const sox = (...args: string[]) => execFileSync("sox", args, { stdio: "pipe" });

/** The code a decode rejects with, or "ok <frames>". */
async function outcome(
  source: string | Uint8Array,
  rate = 16000,
  limits?: NativeDecodeLimits,
): Promise<string> {
  try {
    return `ok ${(await native().decodeAudio(source, rate, undefined, limits)).frames}`;
  } catch (err) {
    return (err as { code: string }).code;
  }
}

/** The outcome from the path and from the bytes, which must be the same. */
async function bothWays(name: string, rate = 16000, limits?: NativeDecodeLimits) {
  const fromPath = await outcome(file(name), rate, limits);
  expect(await outcome(new Uint8Array(readFileSync(file(name))), rate, limits)).toBe(fromPath);
  return fromPath;
}

/** `bytes` of a FLAC with STREAMINFO's 36-bit total sample count set to `total` (< 2^32). */
function withFlacTotal(bytes: Buffer, total: number): Buffer {
  const out = Buffer.from(bytes);
  out[21] = (out[21] as number) & 0xf0;
  out.writeUInt32BE(total, 22);
  return out;
}

/** `bytes` of a FLAC with STREAMINFO's 20-bit sample rate set to `rate`. */
function withFlacRate(bytes: Buffer, rate: number): Buffer {
  const out = Buffer.from(bytes);
  out[18] = rate >> 12;
  out[19] = (rate >> 4) & 0xff;
  out[20] = ((rate & 0xf) << 4) | ((out[20] as number) & 0x0f);
  return out;
}

/** The canonical 44-byte-header 16-bit mono WAV seed with its rate fields set to `rate`. */
function pcm16WavAt(rate: number): Buffer {
  const out = Buffer.from(seed("pcm16.wav"));
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  return out;
}

beforeAll(() => {
  // Sample-rate bombs: a few kB whose header claims 1-2 Hz, i.e. hours once resampled to
  // 16 kHz (the reported FLAC decoded to 211,680,000 frames in 11.7 s and 3.45 GB). These
  // would give 44 M and 64 M frames.
  writeFileSync(file("bomb.flac"), withFlacRate(seed("tone.flac"), 2));
  writeFileSync(file("bomb.wav"), pcm16WavAt(1));
  writeFileSync(file("r999.wav"), pcm16WavAt(999));
  writeFileSync(file("r1000.wav"), pcm16WavAt(1000));
  // Truncated: the header promises 24,000 frames (1.5 s at 16 kHz), 1,478 are present.
  sox("-n", "-r", "16000", "-b", "16", file("full.wav"), "synth", "1.5", "sine", "440");
  writeFileSync(file("truncated.wav"), readFileSync(file("full.wav")).subarray(0, 44 + 2956));
  sox("-n", "-r", "16000", "-b", "16", file("full.flac"), "synth", "3", "sine", "440");
  const flac = readFileSync(file("full.flac"));
  writeFileSync(file("truncated.flac"), flac.subarray(0, flac.length >> 1));
  const mp3 = seed("xing.mp3");
  writeFileSync(file("truncated.mp3"), mp3.subarray(0, mp3.length >> 1));
  // Streamed WAV: the data size is ffmpeg's "unknown" placeholder, not a truncation.
  const streamed = Buffer.from(readFileSync(file("full.wav")));
  streamed.writeUInt32LE(0xffffffff, 40);
  writeFileSync(file("streamed.wav"), streamed);
  // A FLAC whose header claims 4 h + 1 s at 22.05 kHz while holding 0.25 s.
  writeFileSync(file("claims-4h.flac"), withFlacTotal(seed("tone.flac"), 22050 * (4 * 3600 + 1)));
  // One frame at 48 kHz resamples to round(1/3) = 0 frames at 16 kHz.
  sox("-n", "-r", "48000", file("one-frame.wav"), "synth", "1s", "sine", "440");
  // Content that libsndfile does not recognise, under names it used to guess a format from:
  // text as ".au" (read as raw mu-law) and an MP3 behind 64 junk bytes (handed to mpg123).
  writeFileSync(file("text.au"), "this is not audio, just text. ".repeat(100));
  const tagSize = mp3.subarray(6, 10).reduce((size, byte) => (size << 7) | byte, 0);
  const frames = mp3.subarray(10 + tagSize);
  writeFileSync(file("junk-before.mp3"), Buffer.concat([Buffer.alloc(64, 0x55), frames]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sample-rate limits", () => {
  it("refuses 1-2 Hz bombs from the header, at once, from a path or bytes", async () => {
    native(); // loading the addon is not part of the decode
    const t0 = performance.now();
    expect(await bothWays("bomb.flac")).toBe("ERR_AUDIO_SAMPLE_RATE");
    expect(await bothWays("bomb.wav")).toBe("ERR_AUDIO_SAMPLE_RATE");
    expect(performance.now() - t0).toBeLessThan(1000);
    await expect(native().decodeAudio(file("bomb.flac"))).rejects.toThrow(
      /sample rate, 2 Hz, is outside \[1000, 768000\] Hz/,
    );
    const reader = new (native().AudioReader)();
    await expect(reader.open(file("bomb.wav"), 16000)).rejects.toMatchObject({
      code: "ERR_AUDIO_SAMPLE_RATE",
    });
  });

  it("accepts 1000 Hz and refuses 999 Hz; target rates are held to the same range", async () => {
    expect(native().audioLimits).toMatchObject({ minSampleRate: 1000, maxSampleRate: 768000 });
    expect(await bothWays("r999.wav")).toBe("ERR_AUDIO_SAMPLE_RATE");
    expect(await bothWays("r1000.wav")).toBe("ok 64000");
    expect(() => native().decodeAudio(file("r1000.wav"), 999)).toThrow(RangeError);
    expect(() => native().decodeAudio(file("r1000.wav"), 768001)).toThrow(RangeError);
  });
});

describe("maxSeconds", () => {
  it("refuses a header that states more than the default 4 h before decoding anything", async () => {
    expect(native().audioLimits.defaultMaxSeconds).toBe(4 * 3600);
    expect(await bothWays("claims-4h.flac")).toBe("ERR_AUDIO_TOO_LONG");
    // The open alone fails: the length came from the header, not from decoding.
    const reader = new (native().AudioReader)();
    await expect(reader.open(file("claims-4h.flac"))).rejects.toThrow(
      /14401 s of audio .* longer than the 14400 s limit/,
    );
    // Without the limit the same file is what it is: 0.25 s of a promised 4 h, truncated.
    expect(await bothWays("claims-4h.flac", 0, { maxSeconds: Infinity })).toBe(
      "ERR_AUDIO_TRUNCATED",
    );
  });

  it("stops a decode whose header does not state the length once it passes the limit", async () => {
    expect(await bothWays("streamed.wav", 16000, { maxSeconds: 1 })).toBe("ERR_AUDIO_TOO_LONG");
    expect(await bothWays("streamed.wav", 16000, { maxSeconds: 2 })).toBe("ok 24000");
    // A stream yields nothing past the limit: the read that would cross it rejects.
    const reader = new (native().AudioReader)();
    await reader.open(file("streamed.wav"), 0, undefined, { maxSeconds: 1 });
    await expect(reader.read(1 << 20)).rejects.toMatchObject({ code: "ERR_AUDIO_TOO_LONG" });
    reader.close();
  });

  it("refuses bad limits with TypeError/RangeError", () => {
    const wav = file("full.wav");
    const decode = (limits: unknown) =>
      native().decodeAudio(wav, 0, undefined, limits as NativeDecodeLimits);
    expect(() => decode({ maxSeconds: 0 })).toThrow(RangeError);
    expect(() => decode({ maxSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => decode({ allowTruncated: 1 })).toThrow(TypeError);
    expect(() => decode(5)).toThrow(TypeError);
  });
});

describe("truncated inputs", () => {
  it("flags a WAV holding 1,478 of the 24,000 frames its header states", async () => {
    expect(await bothWays("truncated.wav")).toBe("ERR_AUDIO_TRUNCATED");
    await expect(native().decodeAudio(file("truncated.wav"))).rejects.toThrow(
      /header states 24000 frames, the file holds 1478/,
    );
    const kept = await native().decodeAudio(file("truncated.wav"), 0, undefined, {
      allowTruncated: true,
    });
    expect(kept).toMatchObject({ frames: 1478, declaredFrames: 24000, truncated: true });
    const whole = await native().decodeAudio(file("full.wav"));
    expect(kept.samples).toEqual(whole.samples.subarray(0, 1478));
    expect(whole).toMatchObject({ frames: 24000, declaredFrames: 24000, truncated: false });
  });

  it("flags a FLAC and an MP3 (Xing header) cut in half, and keeps their frames on request", async () => {
    expect(await bothWays("truncated.flac")).toBe("ERR_AUDIO_TRUNCATED");
    expect(await bothWays("truncated.mp3")).toBe("ERR_AUDIO_TRUNCATED");
    const flac = await native().decodeAudio(file("truncated.flac"), 0, undefined, {
      allowTruncated: true,
    });
    expect(flac.truncated).toBe(true);
    expect(flac.frames).toBeGreaterThan(0);
    expect(flac.frames).toBeLessThan(flac.declaredFrames);
  });

  it("does not flag complete files whose length is unknown or estimated", async () => {
    expect(await bothWays("streamed.wav", 0)).toBe("ok 24000");
    // plain.mp3 has no Xing header: libsndfile's length is a file-size estimate.
    writeFileSync(file("plain.mp3"), seed("plain.mp3"));
    expect(await bothWays("plain.mp3", 0)).toMatch(/^ok /);
    expect((await native().decodeAudio(file("plain.mp3"))).declaredFrames).toBe(-1);
  });

  it("fails a stream's last read, after the frames present were yielded", async () => {
    const reader = new (native().AudioReader)();
    await reader.open(file("truncated.flac"), 0);
    let frames = 0;
    const read = async () => {
      for (;;) {
        const chunk = await reader.read(4096);
        if (chunk === null) return;
        frames += chunk.length;
      }
    };
    await expect(read()).rejects.toMatchObject({ code: "ERR_AUDIO_TRUNCATED" });
    expect(frames).toBeGreaterThan(0);
    reader.close();
  });
});

describe("empty output and path/bytes agreement", () => {
  it("fails a decode that resamples to 0 frames", async () => {
    expect(await bothWays("one-frame.wav", 16000)).toBe("ERR_AUDIO_EMPTY");
    expect(await bothWays("one-frame.wav", 0)).toBe("ok 1");
  });

  it("finds the format from the content only, for paths and bytes alike", async () => {
    // Both used to decode from the path only: text as 3000 frames of mu-law, and the MP3
    // behind junk through mpg123, while the same bytes were ERR_AUDIO_UNSUPPORTED.
    expect(await bothWays("text.au")).toBe("ERR_AUDIO_UNSUPPORTED");
    expect(await bothWays("junk-before.mp3")).toBe("ERR_AUDIO_UNSUPPORTED");
  });
});
