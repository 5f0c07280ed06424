/** Mel filter banks and the DCT, with torchaudio's definitions (HTK mel scale, no area norm). */

const hzToMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const melToHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);

/**
 * Triangular filters [nMels, nFreqs] on the HTK mel scale: centres equally spaced in mel
 * between fMin and fMax, each rising from the previous centre and falling to the next, with
 * peak 1 (torchaudio `melscale_fbanks(..., norm=None, mel_scale="htk")`). FFT bin i sits at
 * i * floor(rate / 2) / (nFreqs - 1) Hz, as torchaudio spaces them.
 */
export function melFilterBank(
  nFreqs: number,
  sampleRate: number,
  nMels: number,
  fMin: number,
  fMax: number,
): Float64Array {
  const freqs = Float64Array.from(
    { length: nFreqs },
    (_, i) => (i * Math.floor(sampleRate / 2)) / (nFreqs - 1),
  );
  const mMin = hzToMel(fMin);
  const mMax = hzToMel(fMax);
  const points = Float64Array.from({ length: nMels + 2 }, (_, i) =>
    melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1)),
  );
  const bank = new Float64Array(nMels * nFreqs);
  for (let m = 0; m < nMels; m++) {
    const lo = points[m] as number;
    const mid = points[m + 1] as number;
    const hi = points[m + 2] as number;
    for (let i = 0; i < nFreqs; i++) {
      const f = freqs[i] as number;
      const down = (f - lo) / (mid - lo);
      const up = (hi - f) / (hi - mid);
      bank[m * nFreqs + i] = Math.max(0, Math.min(down, up));
    }
  }
  return bank;
}

/** Orthonormal DCT-II matrix [nOut, nIn]: row k is sqrt(2/N) cos(pi/N (n + 1/2) k), row 0 / sqrt(2). */
export function dctMatrix(nOut: number, nIn: number): Float64Array {
  const out = new Float64Array(nOut * nIn);
  for (let k = 0; k < nOut; k++) {
    const scale = Math.sqrt(2 / nIn) * (k === 0 ? Math.SQRT1_2 : 1);
    for (let n = 0; n < nIn; n++)
      out[k * nIn + n] = scale * Math.cos((Math.PI / nIn) * (n + 0.5) * k);
  }
  return out;
}
