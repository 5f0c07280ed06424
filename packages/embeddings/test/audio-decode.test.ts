/**
 * Decoding checked against sox's (and for Opus/MP3, ffmpeg's) own decoding of the same files,
 * generated here with sox in every encoding the issue lists.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeAudio } from "../src/audio/index.js";
import {
  alignedSnr,
  averageChannels,
  ffmpegDecode,
  makeTempDir,
  maxAbsDiff,
  run,
  soxDecode,
  soxDecodeInterleaved,
  withExtraChunks,
} from "./helpers/audio-tools.js";

const temp = makeTempDir("decode");
const dir = temp.dir;
const path = (name: string) => join(dir, name);

// One second of a chord per channel (each channel a different tone), then re-encoded.
function synth(name: string, rate: number, channels: number, encoding: string[]) {
  const tones = [300, 500, 700, 900, 1100, 1300]
    .slice(0, channels)
    .flatMap((f) => ["sine", `${f}`]);
  run("sox", [
    "-n",
    "-r",
    `${rate}`,
    "-c",
    `${channels}`,
    ...encoding,
    path(name),
    "synth",
    "1",
    ...tones,
    "vol",
    "0.4",
  ]);
}

const lossless: { name: string; rate: number; channels: number; encoding: string[] }[] = [
  { name: "pcm-u8.wav", rate: 16000, channels: 1, encoding: ["-e", "unsigned-integer", "-b", "8"] },
  { name: "pcm-s16.wav", rate: 16000, channels: 1, encoding: ["-e", "signed-integer", "-b", "16"] },
  { name: "pcm-s24.wav", rate: 22050, channels: 1, encoding: ["-e", "signed-integer", "-b", "24"] },
  { name: "pcm-s32.wav", rate: 16000, channels: 1, encoding: ["-e", "signed-integer", "-b", "32"] },
  { name: "float32.wav", rate: 16000, channels: 1, encoding: ["-e", "floating-point", "-b", "32"] },
  { name: "float64.wav", rate: 8000, channels: 1, encoding: ["-e", "floating-point", "-b", "64"] },
  {
    name: "stereo-s16.wav",
    rate: 44100,
    channels: 2,
    encoding: ["-e", "signed-integer", "-b", "16"],
  },
  { name: "six-s24.wav", rate: 48000, channels: 6, encoding: ["-e", "signed-integer", "-b", "24"] },
  { name: "s16.flac", rate: 16000, channels: 1, encoding: ["-b", "16"] },
  { name: "stereo-s24.flac", rate: 48000, channels: 2, encoding: ["-b", "24"] },
];

beforeAll(() => {
  for (const c of lossless) synth(c.name, c.rate, c.channels, c.encoding);
  writeFileSync(path("extra-chunks.wav"), withExtraChunks(readFileSync(path("pcm-s16.wav"))));
  synth("mono-48k.wav", 48000, 1, ["-b", "16"]);
  synth("stereo-44k.wav", 44100, 2, ["-b", "16"]);
  run("sox", [path("mono-48k.wav"), "-C", "6", path("vorbis.ogg")]);
  run("sox", [path("stereo-44k.wav"), "-C", "192", path("stereo.mp3")]);
  // ffmpeg's LAME writes the gapless header (encoder delay and padding) that sox's does not.
  synth("mono-16k.wav", 16000, 1, ["-b", "16"]);
  run("ffmpeg", [
    "-v",
    "error",
    "-i",
    path("mono-16k.wav"),
    "-c:a",
    "libmp3lame",
    "-b:a",
    "64k",
    path("gapless.mp3"),
  ]);
  // sox here has no Opus encoder; ffmpeg's libopus writes the file.
  run("ffmpeg", [
    "-v",
    "error",
    "-i",
    path("mono-48k.wav"),
    "-c:a",
    "libopus",
    "-b:a",
    "96k",
    path("mono.opus"),
  ]);
});
afterAll(() => temp.remove());

describe("lossless decoding equals sox", () => {
  it.each(lossless.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const reference = soxDecode(path(c.name));
    const decoded = await decodeAudio(path(c.name));
    expect(decoded.channels).toBe(c.channels);
    expect(decoded.sampleRate).toBe(c.rate);
    expect(decoded.originalSampleRate).toBe(c.rate);
    expect(decoded.frames).toBe(reference.length);
    expect(decoded.durationSec).toBeCloseTo(1, 6);
    // PCM maps to floats the same way in both (x / 2^(bits-1)); sox averages channels in its
    // 32-bit integer domain, so multichannel results may differ by a few 2^-31 steps.
    expect(maxAbsDiff(decoded.samples, reference)).toBeLessThan(1e-6);
    // Same samples from bytes in memory.
    const fromBytes = await decodeAudio(new Uint8Array(readFileSync(path(c.name))));
    expect(fromBytes.samples).toEqual(decoded.samples);
  });

  it("reads WAVE_FORMAT_EXTENSIBLE headers (sox writes them for >2 channels and 24-bit)", async () => {
    for (const name of ["six-s24.wav", "pcm-s24.wav"]) {
      expect(readFileSync(path(name)).readUInt16LE(20)).toBe(0xfffe);
    }
    expect(readFileSync(path("pcm-s16.wav")).readUInt16LE(20)).toBe(1);
    const six = await decodeAudio(path("six-s24.wav"));
    expect(six.channels).toBe(6);
    expect(six.encoding).toMatch(/24 bit/);
  });

  it("skips extra chunks (LIST/INFO, unknown odd-sized chunk) before the data", async () => {
    const plain = await decodeAudio(path("pcm-s16.wav"));
    const extra = await decodeAudio(path("extra-chunks.wav"));
    expect(extra.frames).toBe(plain.frames);
    expect(extra.samples).toEqual(plain.samples);
  });

  it("down-mixes by averaging the channels (checked against sox's interleaved decoding)", async () => {
    for (const [name, channels] of [
      ["stereo-s16.wav", 2],
      ["six-s24.wav", 6],
    ] as const) {
      const mean = averageChannels(soxDecodeInterleaved(path(name)), channels);
      const decoded = await decodeAudio(path(name));
      expect(decoded.frames).toBe(mean.length);
      expect(maxAbsDiff(decoded.samples, mean)).toBeLessThan(1e-6);
    }
  });
});

describe("concurrency", () => {
  it("decodes many inputs at once (files and bytes, resampled) with the sequential results", async () => {
    const names = [...lossless.map((c) => c.name), "vorbis.ogg", "mono.opus", "stereo.mp3"];
    const sequential: Float32Array[] = [];
    for (const name of names)
      sequential.push((await decodeAudio(path(name), { targetRate: 16000 })).samples);
    const jobs = names.flatMap((name, i) => [
      decodeAudio(path(name), { targetRate: 16000 }).then((d) => [i, d.samples] as const),
      decodeAudio(new Uint8Array(readFileSync(path(name))), { targetRate: 16000 }).then(
        (d) => [i, d.samples] as const,
      ),
    ]);
    for (const [i, samples] of await Promise.all(jobs)) expect(samples).toEqual(sequential[i]);
  });
});

describe("lossy decoding agrees with other decoders", () => {
  it("OGG/Vorbis equals sox's decoding (both use libvorbis)", async () => {
    const decoded = await decodeAudio(path("vorbis.ogg"));
    expect(decoded.encoding).toMatch(/Vorbis/);
    const reference = soxDecode(path("vorbis.ogg"));
    expect(decoded.frames).toBe(reference.length);
    expect(maxAbsDiff(decoded.samples, reference)).toBeLessThan(1e-4);
  });

  it("Opus agrees with ffmpeg's libopus decoding", async () => {
    const decoded = await decodeAudio(path("mono.opus"));
    expect(decoded.encoding).toMatch(/Opus/);
    expect(decoded.sampleRate).toBe(48000);
    const reference = ffmpegDecode(path("mono.opus"), 1);
    const { lag, snr } = alignedSnr(reference, decoded.samples, 2000);
    // Both use libopus and honour the pre-skip (measured: lag 0, SNR 141 dB); the threshold
    // leaves room for libopus builds that differ in float rounding.
    console.log(`opus vs ffmpeg: lag ${lag} samples, SNR ${snr.toFixed(1)} dB`);
    expect(decoded.frames).toBe(reference.length);
    expect(snr).toBeGreaterThan(60);
  });

  it("MP3 without a gapless header: every frame kept, as ffmpeg; sox agrees on its prefix", async () => {
    const decoded = await decodeAudio(path("stereo.mp3"));
    expect(decoded.channels).toBe(2);
    expect(decoded.sampleRate).toBe(44100);
    expect(decoded.encoding).toMatch(/Layer III/);
    // With no LAME/Xing gapless header there is nothing to trim: libsndfile (mpg123) gives
    // every decoded frame, as ffmpeg does; sox's output is the same but ends earlier.
    expect(decoded.frames).toBe(ffmpegDecode(path("stereo.mp3"), 2).length);
    const sox = soxDecode(path("stereo.mp3"));
    expect(maxAbsDiff(decoded.samples.subarray(0, sox.length), sox)).toBeLessThan(1e-4);
    // ffmpeg's decoder differs in float rounding only (measured: lag 0, SNR 125 dB). The
    // search allows ±2500 samples of delay in case a decoder trims the LAME delay (gapless).
    const reference = ffmpegDecode(path("stereo.mp3"), 2);
    const { lag, snr } = alignedSnr(reference, decoded.samples, 2500);
    console.log(`mp3 vs ffmpeg: lag ${lag} samples, SNR ${snr.toFixed(1)} dB`);
    expect(snr).toBeGreaterThan(60);
  });

  it("MP3 with a gapless header: encoder delay and padding trimmed, as ffmpeg does (not sox)", async () => {
    const decoded = await decodeAudio(path("gapless.mp3"));
    // The source is 1 s at 16 kHz: the trimmed decode has exactly its frames, as ffmpeg's.
    const reference = ffmpegDecode(path("gapless.mp3"), 1);
    expect(decoded.frames).toBe(16000);
    expect(reference.length).toBe(16000);
    const { lag, snr } = alignedSnr(reference, decoded.samples, 2500);
    console.log(`gapless mp3 vs ffmpeg: lag ${lag} samples, SNR ${snr.toFixed(1)} dB`);
    expect(lag).toBe(0);
    expect(snr).toBeGreaterThan(60);
    // sox keeps the encoder delay and padding (measured: 1.5 s of audio decodes to 1.584 s).
    expect(soxDecode(path("gapless.mp3")).length).toBeGreaterThan(16000 + 500);
  });
});
