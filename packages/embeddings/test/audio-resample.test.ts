/**
 * Resampling quality: a 1 kHz sine written with exact float samples at 8, 44.1 and 48 kHz,
 * decoded at 16 kHz, compared with the exact sine at 16 kHz away from the edges.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeAudio, openAudioStream } from "../src/audio/index.js";
import { makeTempDir, run, snrDb, writeFloatWav } from "./helpers/audio-tools.js";

const temp = makeTempDir("resample");
afterAll(() => temp.remove());

const seconds = 2;
const amplitude = 0.5;
const sine = (rate: number, hz = 1000) => {
  const out = new Float32Array(seconds * rate);
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
};
const target = 16000;
const exact = sine(target);
// The filters' transients are confined to the first and last 0.1 s.
const edge = target / 10;

describe("libsoxr resampling keeps a 1 kHz sine at SNR >= 80 dB", () => {
  it.each([8000, 44100, 48000])("%i Hz -> 16 kHz", async (rate) => {
    const path = join(temp.dir, `sine-${rate}.wav`);
    writeFloatWav(path, sine(rate), rate);
    const decoded = await decodeAudio(path, { targetRate: target });
    expect(decoded.sampleRate).toBe(target);
    expect(decoded.originalSampleRate).toBe(rate);
    expect(decoded.frames).toBe(seconds * target);
    const snr = snrDb(exact, decoded.samples, edge, exact.length - edge);
    console.log(`${rate} -> ${target}: SNR ${snr.toFixed(1)} dB`);
    expect(snr).toBeGreaterThanOrEqual(80);

    // Streaming in small chunks gives the same samples as the one-shot decode.
    const parts: Float32Array[] = [];
    for await (const chunk of openAudioStream(path, { targetRate: target, chunkFrames: 777 })) {
      expect(chunk.length).toBeLessThanOrEqual(777);
      parts.push(chunk);
    }
    const streamed = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      streamed.set(p, offset);
      offset += p.length;
    }
    expect(streamed).toEqual(decoded.samples);
  });

  // At 8k and 48k the 1 kHz sine repeats every 8 or 48 input samples, and 16 kHz lands on
  // the same phases, so the result is near-exact; 997 Hz has no such alignment.
  it.each([8000, 44100, 48000])("%i Hz -> 16 kHz with a 997 Hz sine", async (rate) => {
    const path = join(temp.dir, `sine997-${rate}.wav`);
    writeFloatWav(path, sine(rate, 997), rate);
    const decoded = await decodeAudio(path, { targetRate: target });
    const reference = sine(target, 997);
    const snr = snrDb(reference, decoded.samples, edge, reference.length - edge);
    console.log(`${rate} -> ${target} (997 Hz): SNR ${snr.toFixed(1)} dB`);
    expect(snr).toBeGreaterThanOrEqual(80);
  });

  it("agrees with sox's own VHQ resampler on speech (espeak-ng, 22.05 kHz -> 16 kHz)", async () => {
    const path = join(temp.dir, "speech.wav");
    // espeak-ng leaves PulseAudio state in $HOME/.config and $TMPDIR: keep it in the temp dir.
    const env = {
      ...process.env,
      HOME: temp.dir,
      XDG_CONFIG_HOME: temp.dir,
      XDG_RUNTIME_DIR: temp.dir,
      TMPDIR: temp.dir,
    };
    execFileSync("espeak-ng", ["-w", path, "the quick brown fox jumps over the lazy dog"], {
      env,
      stdio: "ignore",
    });
    const raw = run("sox", [
      path,
      "-t",
      "f32",
      "-e",
      "floating-point",
      "-r",
      "16000",
      "-",
      "rate",
      "-v",
    ]);
    const reference = new Float32Array(new Uint8Array(raw).buffer);
    const decoded = await decodeAudio(path, { targetRate: target });
    expect(decoded.originalSampleRate).toBe(22050);
    expect(decoded.frames).toBe(reference.length);
    const snr = snrDb(reference, decoded.samples, edge, reference.length - edge);
    // Two linear-phase resamplers with different filters: measured 80.2 dB.
    console.log(`speech 22050 -> 16000 vs sox rate -v: SNR ${snr.toFixed(1)} dB`);
    expect(snr).toBeGreaterThan(70);
  });

  it("leaves the samples untouched when the rate already matches", async () => {
    const path = join(temp.dir, "sine-16k.wav");
    writeFloatWav(path, exact, target);
    const decoded = await decodeAudio(path, { targetRate: target });
    expect(decoded.samples).toEqual(exact);
  });
});
