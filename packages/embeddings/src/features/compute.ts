/**
 * Classic baseline features (MFCC, log-mel) summarised per clip, so a report can show how much
 * a model adds over them. Definitions follow torchaudio's transforms with the same parameters,
 * which the tests use as the reference.
 */
import { FftPlan } from "./fft.js";
import { dctMatrix, melFilterBank } from "./mel.js";

/** Which features. */
export type FeatureKind = "mfcc" | "logmel";

/** Options for `computeFeatures`. Defaults suit 16 kHz speech. */
export interface FeatureOptions {
  kind: FeatureKind;
  /** FFT size and window length in samples. Default 400 (25 ms at 16 kHz). */
  nFft?: number;
  /** Hop between frames in samples. Default 160 (10 ms at 16 kHz). */
  hopLength?: number;
  /** Mel bands. Default 64. */
  nMels?: number;
  /** MFCC coefficients (mfcc only). Default 20. */
  nMfcc?: number;
  /** Lowest filter edge in Hz. Default 0. */
  fMin?: number;
  /** Highest filter edge in Hz. Default sampleRate / 2. */
  fMax?: number;
  /**
   * Floor of the dB values below the clip's maximum. Default 80 for mfcc (torchaudio's MFCC
   * uses AmplitudeToDB with top_db=80), none for logmel.
   */
  topDb?: number | null;
}

/** A clip's features. */
export interface Features {
  kind: FeatureKind;
  /** Coefficients per frame (nMfcc or nMels). */
  coefficients: number;
  frames: number;
  /** Frame-level values, row-major [coefficients, frames] (torchaudio's layout). */
  matrix: Float32Array;
  /** Per-coefficient mean over frames. */
  mean: Float32Array;
  /** Per-coefficient population standard deviation over frames. */
  std: Float32Array;
  /** `[mean, std]`: the clip's embedding (2 * coefficients). */
  vector: Float32Array;
}

/** Reflect padding without repeating the edge sample (torch's "reflect"). */
function reflectPad(x: Float32Array, pad: number): Float64Array {
  if (x.length <= pad) {
    throw new RangeError(`the clip (${x.length} samples) must be longer than nFft/2 (${pad})`);
  }
  const out = new Float64Array(x.length + 2 * pad);
  for (let i = 0; i < pad; i++) out[i] = x[pad - i] as number;
  for (let i = 0; i < x.length; i++) out[pad + i] = x[i] as number;
  for (let i = 0; i < pad; i++) out[pad + x.length + i] = x[x.length - 2 - i] as number;
  return out;
}

/**
 * Power mel spectrogram in dB, then (mfcc) the orthonormal DCT-II of each frame, then mean
 * and std over frames. Spectrogram: centred frames (reflect padding of nFft/2), periodic Hann
 * window, |FFT|^2, HTK mel filters without area normalisation; dB = 10 log10(max(p, 1e-10)).
 * @example
 * const { vector } = computeFeatures(clip.samples, 16000, { kind: "mfcc" }); // 40 values
 */
export function computeFeatures(
  samples: Float32Array,
  sampleRate: number,
  options: FeatureOptions,
): Features {
  const nFft = options.nFft ?? 400;
  const hop = options.hopLength ?? 160;
  const nMels = options.nMels ?? 64;
  const nMfcc = options.nMfcc ?? 20;
  const fMin = options.fMin ?? 0;
  const fMax = options.fMax ?? sampleRate / 2;
  const topDb = options.topDb === undefined ? (options.kind === "mfcc" ? 80 : null) : options.topDb;
  if (options.kind !== "mfcc" && options.kind !== "logmel") {
    throw new RangeError(`kind must be "mfcc" or "logmel", got ${options.kind}`);
  }
  if (options.kind === "mfcc" && nMfcc > nMels) {
    throw new RangeError(`nMfcc (${nMfcc}) cannot exceed nMels (${nMels})`);
  }

  const padded = reflectPad(samples, Math.floor(nFft / 2));
  const frames = 1 + Math.floor((padded.length - nFft) / hop);
  const nFreqs = Math.floor(nFft / 2) + 1;
  const window = Float64Array.from(
    { length: nFft },
    (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft),
  );
  const bank = melFilterBank(nFreqs, sampleRate, nMels, fMin, fMax);
  const plan = new FftPlan(nFft);
  const re = new Float64Array(nFft);
  const im = new Float64Array(nFft);
  const outRe = new Float64Array(nFft);
  const outIm = new Float64Array(nFft);
  const power = new Float64Array(nFreqs);
  const db = new Float64Array(nMels * frames); // [nMels, frames]
  let peak = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < frames; t++) {
    const start = t * hop;
    for (let i = 0; i < nFft; i++) re[i] = (padded[start + i] as number) * (window[i] as number);
    im.fill(0);
    plan.transform(re, im, outRe, outIm);
    for (let k = 0; k < nFreqs; k++) {
      const a = outRe[k] as number;
      const b = outIm[k] as number;
      power[k] = a * a + b * b;
    }
    for (let m = 0; m < nMels; m++) {
      let sum = 0;
      const row = m * nFreqs;
      for (let k = 0; k < nFreqs; k++) sum += (bank[row + k] as number) * (power[k] as number);
      const value = 10 * Math.log10(Math.max(sum, 1e-10));
      db[m * frames + t] = value;
      if (value > peak) peak = value;
    }
  }
  if (topDb !== null) {
    const floor = peak - topDb;
    for (let i = 0; i < db.length; i++) if ((db[i] as number) < floor) db[i] = floor;
  }

  let coefficients = nMels;
  let values = db;
  if (options.kind === "mfcc") {
    coefficients = nMfcc;
    const dct = dctMatrix(nMfcc, nMels);
    values = new Float64Array(nMfcc * frames);
    for (let k = 0; k < nMfcc; k++) {
      for (let t = 0; t < frames; t++) {
        let sum = 0;
        for (let m = 0; m < nMels; m++)
          sum += (dct[k * nMels + m] as number) * (db[m * frames + t] as number);
        values[k * frames + t] = sum;
      }
    }
  }

  const mean = new Float32Array(coefficients);
  const std = new Float32Array(coefficients);
  for (let c = 0; c < coefficients; c++) {
    let sum = 0;
    for (let t = 0; t < frames; t++) sum += values[c * frames + t] as number;
    const mu = sum / frames;
    let squares = 0;
    for (let t = 0; t < frames; t++) squares += ((values[c * frames + t] as number) - mu) ** 2;
    mean[c] = mu;
    std[c] = Math.sqrt(squares / frames);
  }
  const vector = new Float32Array(2 * coefficients);
  vector.set(mean, 0);
  vector.set(std, coefficients);
  return {
    kind: options.kind,
    coefficients,
    frames,
    matrix: Float32Array.from(values),
    mean,
    std,
    vector,
  };
}
