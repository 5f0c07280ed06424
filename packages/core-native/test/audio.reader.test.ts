/**
 * The raw audio binding: AudioReader's one-operation-at-a-time rule, idempotent close (also
 * while a read is in flight) and argument checks. Decoding accuracy is tested in
 * @audiomap/embeddings against sox and ffmpeg.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { native } from "../src/binding.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-reader-"));
const wav = join(dir, "tone.wav");
beforeAll(() => {
  execFileSync("sox", [
    "-n",
    "-r",
    "8000",
    "-c",
    "2",
    "-b",
    "16",
    wav,
    "synth",
    "3",
    "sine",
    "440",
    "sine",
    "660",
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("AudioReader", () => {
  it("opens, reports the format and streams every frame", async () => {
    const reader = new (native().AudioReader)();
    const info = await reader.open(wav, 16000);
    expect(info).toMatchObject({
      sampleRate: 16000,
      originalSampleRate: 8000,
      channels: 2,
      originalFrames: 24000,
      container: "WAV (Microsoft)",
      encoding: "Signed 16 bit PCM",
    });
    let frames = 0;
    for (;;) {
      const chunk = await reader.read(5000);
      if (chunk === null) break;
      expect(chunk).toBeInstanceOf(Float32Array);
      expect(chunk.length).toBeLessThanOrEqual(5000);
      frames += chunk.length;
    }
    expect(frames).toBe(48000);
    expect(await reader.read(10)).toBeNull();
    reader.close();
    reader.close();
    expect(reader.closed).toBe(true);
    expect(() => reader.read(10)).toThrow(/closed/);
  });

  it("refuses a second operation while one is in flight", async () => {
    const reader = new (native().AudioReader)();
    const opening = reader.open(wav);
    expect(() => reader.read(10)).toThrow(/in flight/);
    await opening;
    const reading = reader.read(100);
    expect(() => reader.read(10)).toThrow(/in flight/);
    expect((await reading)?.length).toBe(100);
    reader.close();
  });

  it("closes safely while a read is in flight", async () => {
    const reader = new (native().AudioReader)();
    await reader.open(wav, 44100);
    const reading = reader.read(1 << 20);
    reader.close();
    const chunk = await reading;
    expect(chunk?.length).toBe(Math.round(3 * 44100));
    expect(() => reader.read(10)).toThrow(/closed/);
  });

  it("checks its arguments", async () => {
    const reader = new (native().AudioReader)();
    expect(() => reader.read(10)).toThrow(/not open/);
    expect(() => reader.open(42 as unknown as string)).toThrow(TypeError);
    expect(() => reader.open(wav, 1.5)).toThrow(RangeError);
    await reader.open(new Uint8Array(execFileSync("cat", [wav])));
    expect(() => reader.read(0)).toThrow(RangeError);
    reader.close();
    await expect(native().decodeAudio(join(dir, "missing.wav"))).rejects.toMatchObject({
      code: "ERR_AUDIO_NOT_FOUND",
    });
  });
});
