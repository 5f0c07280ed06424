/**
 * Long recordings stream with bounded memory, and windowing gives the documented windows
 * whatever the chunking.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeUtterance, openAudioStream, windowAudio } from "../src/audio/index.js";
import { makeTempDir, maxAbsDiff, run, writeLongPcm16Wav } from "./helpers/audio-tools.js";

const temp = makeTempDir("stream");
// An hour at 8 kHz (telephone speech, like MINDS-14): 58 MB on disk, 230 MB once decoded and
// resampled to 16 kHz float.
const hour = join(temp.dir, "one-hour-8k.wav");
const seconds = 3600;

beforeAll(() => writeLongPcm16Wav(hour, 8000, seconds), 120_000);
afterAll(() => temp.remove());

const MB = 1024 * 1024;

// What a stream keeps alive is measured after a full garbage collection, so the figure does not
// depend on when V8 chose to collect: the chunks still referenced, as V8 accounts them. That
// covers the decoder's native chunk buffers too, which the addon reports to V8 as external
// memory (AdjustExternalMemory). RSS is printed for information only: it also holds freed
// memory that malloc has not given back, which varies from run to run.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
// Node runs N-API finalizers (which hand the native buffers' bytes back to V8's count) in a task
// after the collection that found their objects dead, and what they release is only collected
// by the next one: two rounds of a collection and a task settle the count. (One round leaves
// the chunks of the last few samples counted, 20-30 MB here; two give the same figure each time.)
async function retainedBytes(): Promise<number> {
  for (let round = 0; round < 2; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().external;
}
/** Samples retained memory every `every` chunks; returns the growth over the first sample. */
function retention(every: number) {
  let baseline = -1;
  let peak = 0;
  let rssPeak = 0;
  let seen = 0;
  return {
    async sample() {
      if (seen++ % every !== 0) return;
      const bytes = await retainedBytes();
      if (baseline < 0) baseline = bytes;
      peak = Math.max(peak, bytes);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    },
    get growth() {
      return peak - baseline;
    },
    get rss() {
      return rssPeak;
    },
  };
}

describe("streaming an hour-long file", () => {
  it("keeps the memory it retains bounded, far below the decoded size", async () => {
    const decodedBytes = seconds * 16000 * 4;
    const stream = openAudioStream(hour, { targetRate: 16000, chunkFrames: 80_000 });
    const info = await stream.info;
    expect(info.originalSampleRate).toBe(8000);
    expect(info.sampleRate).toBe(16000);
    expect(info.durationSec).toBe(seconds);
    let frames = 0;
    let chunks = 0;
    const held = retention(100);
    for await (const chunk of stream) {
      expect(chunk.length).toBeLessThanOrEqual(80_000);
      frames += chunk.length;
      chunks++;
      if (chunks >= 2) await held.sample();
    }
    expect(frames).toBe(seconds * 16000);
    console.log(
      `1 h @ 8k -> 16k: ${chunks} chunks, decoded ${(decodedBytes / MB).toFixed(0)} MB, retained growth ${(held.growth / MB).toFixed(2)} MB (peak RSS ${(held.rss / MB).toFixed(0)} MB)`,
    );
    // A chunk is 80,000 × 4 B = 0.3 MB; the stream may hold a few at once. Keeping the chunks
    // already yielded would retain up to the whole 230 MB.
    expect(held.growth).toBeLessThan(8 * MB);
  });

  it("windows the stream into 30 s windows with 5 s overlap, end-aligned last window", async () => {
    const spans: [number, number][] = [];
    const held = retention(20);
    const stream = openAudioStream(hour, { targetRate: 16000, chunkFrames: 12_345 });
    for await (const w of windowAudio(stream, { sampleRate: 16000 })) {
      expect(w.samples.length).toBe(w.endFrame - w.startFrame);
      spans.push([w.start, w.end]);
      if (spans.length >= 2) await held.sample();
    }
    const expected: [number, number][] = [];
    for (let s = 0; s + 30 <= seconds; s += 25) expected.push([s, s + 30]);
    expected.push([seconds - 30, seconds]);
    expect(spans).toEqual(expected);
    console.log(`windows: ${spans.length}, retained growth ${(held.growth / MB).toFixed(2)} MB`);
    // A 30 s window is 1.9 MB; the windower holds about one window and a chunk.
    expect(held.growth).toBeLessThan(8 * MB);
  });
});

describe("windowAudio", () => {
  const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => i);
  async function collect(
    chunks: Float32Array[] | Float32Array,
    windowSec: number,
    overlapSec: number,
  ) {
    const out: [number, number, number][] = [];
    for await (const w of windowAudio(chunks, { sampleRate: 10, windowSec, overlapSec })) {
      // The ramp's values are the absolute frame indices, so the content is checked too.
      expect(Array.from(w.samples)).toEqual(Array.from(ramp(w.endFrame).subarray(w.startFrame)));
      out.push([w.index, w.startFrame, w.endFrame]);
    }
    return out;
  }
  const split = (x: Float32Array, size: number) => {
    const parts: Float32Array[] = [];
    for (let i = 0; i < x.length; i += size) parts.push(x.slice(i, i + size));
    return parts;
  };

  it("gives the same windows for any chunking", async () => {
    // 10.1 s at 10 Hz with 4 s windows and 1 s overlap: hop 3 s.
    const x = ramp(101);
    const expected = [
      [0, 0, 40],
      [1, 30, 70],
      [2, 60, 100],
      [3, 61, 101],
    ];
    expect(await collect(x, 4, 1)).toEqual(expected);
    for (const size of [1, 7, 40, 1000])
      expect(await collect(split(x, size), 4, 1)).toEqual(expected);
  });

  it("handles inputs shorter than, equal to and aligned with the window", async () => {
    expect(await collect(ramp(25), 4, 1)).toEqual([[0, 0, 25]]);
    expect(await collect(ramp(40), 4, 1)).toEqual([[0, 0, 40]]);
    expect(await collect(ramp(100), 4, 1)).toEqual([
      [0, 0, 40],
      [1, 30, 70],
      [2, 60, 100],
    ]);
    expect(await collect(new Float32Array(0), 4, 1)).toEqual([]);
  });

  it("rejects an overlap not smaller than the window", async () => {
    await expect(collect(ramp(10), 2, 2)).rejects.toThrow(RangeError);
  });
});

describe("normalizeUtterance", () => {
  it("matches numpy's (x - mean) / sqrt(var + 1e-7) over the valid samples", () => {
    const x = Float32Array.from([1, 2, 3, 4, 100, 100]);
    const y = normalizeUtterance(x, 4);
    // mean 2.5, population variance 1.25
    const scale = 1 / Math.sqrt(1.25 + 1e-7);
    expect(Array.from(y.subarray(0, 4))).toEqual(
      [-1.5, -0.5, 0.5, 1.5].map((v) => Math.fround(v * scale)),
    );
    expect(Array.from(y.subarray(4))).toEqual([0, 0]);
    const silence = normalizeUtterance(new Float32Array(8));
    expect(Array.from(silence)).toEqual(new Array(8).fill(0));
    expect(() => normalizeUtterance(x, 7)).toThrow(RangeError);
  });

  it("agrees with numpy on the Wav2Vec2FeatureExtractor formula (float32 arrays)", () => {
    let seed = 7;
    const x = Float32Array.from({ length: 5000 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31) * 0.6 - 0.2;
    });
    const valid = 4321;
    const input = join(temp.dir, "x.f32");
    writeFileSync(input, Buffer.from(x.buffer));
    const script = [
      "import sys, numpy as np",
      "x = np.fromfile(sys.argv[1], dtype=np.float32)",
      `n = ${valid}`,
      "y = np.zeros_like(x)",
      "y[:n] = (x[:n] - x[:n].mean()) / np.sqrt(x[:n].var() + 1e-7)",
      "sys.stdout.buffer.write(y.astype(np.float32).tobytes())",
    ].join("\n");
    const out = run("/usr/bin/python3", ["-c", script, input]);
    const reference = new Float32Array(new Uint8Array(out).buffer);
    expect(maxAbsDiff(normalizeUtterance(x, valid), reference)).toBeLessThan(1e-5);
  });
});
