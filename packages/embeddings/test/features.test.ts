/**
 * Baseline features against torchaudio (Debian's python3-torchaudio) with the same parameters:
 * MelSpectrogram + AmplitudeToDB for log-mel, MFCC (norm "ortho", top_db 80) for MFCC.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeFeatures, FftPlan, featureModel } from "../src/features/index.js";
import { makeTempDir, run } from "./helpers/audio-tools.js";

const temp = makeTempDir("features");
afterAll(() => temp.remove());

// 1.3 s of a rising tone plus seeded noise: a spectrum that changes from frame to frame.
const rate = 16000;
const clip = (() => {
  let seed = 11;
  const out = new Float32Array(Math.round(1.3 * rate));
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    phase += (2 * Math.PI * (300 + 2000 * (i / out.length))) / rate;
    out[i] = 0.4 * Math.sin(phase) + 0.05 * (seed / 2 ** 31 - 0.5);
  }
  return out;
})();

const script = `
import sys, json, numpy as np, torch, torchaudio
x = torch.from_numpy(np.fromfile(sys.argv[1], dtype=np.float32))
melkw = dict(n_fft=400, win_length=400, hop_length=160, n_mels=64, f_min=0.0, f_max=None,
             center=True, pad_mode="reflect", power=2.0, norm=None, mel_scale="htk")
mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, **melkw)(x)
logmel = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=None)(mel)
mfcc = torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=20, dct_type=2, norm="ortho",
                                  log_mels=False, melkwargs=melkw)(x)
out = {}
for name, m in (("logmel", logmel), ("mfcc", mfcc)):
    out[name] = dict(shape=list(m.shape), matrix=m.flatten().tolist(),
                     mean=m.mean(1).tolist(), std=m.std(1, unbiased=False).tolist())
print(json.dumps(out))
`;

type Ref = { shape: number[]; matrix: number[]; mean: number[]; std: number[] };
let reference: Record<"logmel" | "mfcc", Ref>;

beforeAll(() => {
  const input = join(temp.dir, "clip.f32");
  writeFileSync(input, Buffer.from(clip.buffer));
  reference = JSON.parse(run("/usr/bin/python3", ["-c", script, input]).toString());
}, 120_000);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>) {
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

describe("computeFeatures agrees with torchaudio", () => {
  // torchaudio works in float32 and this code in float64: differences are float32 rounding
  // of dB values around ±100 (measured: 7e-4 dB worst frame value, 3e-5 on means), so the
  // tolerances are 2e-3 dB per frame value and 1e-4 on the summaries.
  it.each(["logmel", "mfcc"] as const)("%s", (kind) => {
    const ours = computeFeatures(clip, rate, { kind });
    const ref = reference[kind];
    expect([ours.coefficients, ours.frames]).toEqual(ref.shape);
    const frameDiff = maxDiff(ours.matrix, ref.matrix);
    const meanDiff = maxDiff(ours.mean, ref.mean);
    const stdDiff = maxDiff(ours.std, ref.std);
    console.log(
      `${kind}: max |diff| frames ${frameDiff.toExponential(2)}, mean ${meanDiff.toExponential(2)}, std ${stdDiff.toExponential(2)}`,
    );
    expect(frameDiff).toBeLessThan(2e-3);
    expect(meanDiff).toBeLessThan(1e-4);
    expect(stdDiff).toBeLessThan(1e-4);
    expect(Array.from(ours.vector)).toEqual([...ours.mean, ...ours.std]);
  });
});

describe("FftPlan", () => {
  it("equals a direct DFT for mixed-radix lengths", () => {
    for (const n of [1, 2, 12, 49, 400, 441]) {
      const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) + (i % 3));
      const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.3));
      const outRe = new Float64Array(n);
      const outIm = new Float64Array(n);
      new FftPlan(n).transform(re, im, outRe, outIm);
      for (let k = 0; k < n; k++) {
        let a = 0;
        let b = 0;
        for (let j = 0; j < n; j++) {
          const t = (-2 * Math.PI * j * k) / n;
          a += (re[j] as number) * Math.cos(t) - (im[j] as number) * Math.sin(t);
          b += (re[j] as number) * Math.sin(t) + (im[j] as number) * Math.cos(t);
        }
        expect(Math.abs((outRe[k] as number) - a)).toBeLessThan(1e-9 * n);
        expect(Math.abs((outIm[k] as number) - b)).toBeLessThan(1e-9 * n);
      }
    }
  });
});

describe("featureModel", () => {
  it("gives the same vector per clip whatever the batch padding", async () => {
    const model = featureModel({ kind: "mfcc" });
    expect(model.info.hiddenSize).toBe(40);
    const a = clip.subarray(0, 9000);
    const b = clip.subarray(3000, 20000);
    const length = 20000;
    const audio = new Float32Array(2 * length);
    audio.set(a, 0);
    audio.set(b, length);
    const out = await model.forward(
      { audio, batch: 2, length, lengths: Int32Array.from([a.length, b.length]) },
      { outputs: ["pooled"], layers: [-1] },
    );
    expect(out.pooled?.shape).toEqual([1, 2, 40]);
    expect(Array.from(out.frameLengths)).toEqual([
      1 + Math.floor(9000 / 160),
      1 + Math.floor(17000 / 160),
    ]);
    expect(out.pooled?.data.subarray(0, 40)).toEqual(
      computeFeatures(a, rate, { kind: "mfcc" }).vector,
    );
    expect(out.pooled?.data.subarray(40)).toEqual(
      computeFeatures(b, rate, { kind: "mfcc" }).vector,
    );
  });
});
