/**
 * Seeded synthetic speech-like audio for benchmarks: a few harmonics of a gliding pitch,
 * amplitude-modulated at a syllable rate, plus white noise. Model throughput does not depend on
 * the content, but exact zeros or a pure tone could take fast paths (denormals, all-equal
 * normalisation), so the signal is deliberately broadband.
 */

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link syntheticBatch}. */
export interface SyntheticOptions {
  /** Clips in the batch. */
  batch: number;
  /** Samples per clip. */
  length: number;
  /** Sampling rate in Hz. Default 16000. */
  samplingRate?: number;
  /** PRNG seed. Default 0. */
  seed?: number;
  /** Normalise each clip to zero mean and unit variance (as `do_normalize` models expect). Default true. */
  normalize?: boolean;
}

/** A `[batch × length]` row-major Float32Array of synthetic clips; same seed, same audio. */
export function syntheticBatch(options: SyntheticOptions): Float32Array {
  const { batch, length } = options;
  const sr = options.samplingRate ?? 16000;
  const rand = mulberry32(options.seed ?? 0);
  const out = new Float32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const f0 = 90 + 160 * rand();
    const glide = (rand() - 0.5) * 60;
    const syll = 3 + 3 * rand();
    const row = out.subarray(b * length, (b + 1) * length);
    let phase = 0;
    for (let i = 0; i < length; i++) {
      const t = i / sr;
      phase += (2 * Math.PI * (f0 + glide * t)) / sr;
      const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * syll * t);
      const voiced = Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase);
      row[i] = 0.3 * env * voiced + 0.05 * (2 * rand() - 1);
    }
    if (options.normalize ?? true) normalizeInPlace(row);
  }
  return out;
}

function normalizeInPlace(x: Float32Array): void {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  variance /= x.length;
  const scale = 1 / Math.sqrt(variance + 1e-7);
  x.forEach((v, i) => {
    x[i] = (v - mean) * scale;
  });
}
