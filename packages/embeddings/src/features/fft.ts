/**
 * A mixed-radix FFT for any length (400-point frames at 16 kHz are 2^4 * 5^2, not a power of
 * two; zero-padding would change the spectrum that torchaudio's reference computes).
 */

function factorize(n: number): number[] {
  const factors: number[] = [];
  let rest = n;
  for (const p of [4, 2, 3, 5]) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  for (let p = 7; rest > 1; p += 2) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  return factors;
}

/** A reusable transform of one length: decimation in time, radix = each prime factor. */
export class FftPlan {
  readonly n: number;
  readonly #factors: number[];
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #scratchRe: Float64Array;
  readonly #scratchIm: Float64Array;

  constructor(n: number) {
    if (!(Number.isInteger(n) && n > 0))
      throw new RangeError(`FFT length must be positive, got ${n}`);
    this.n = n;
    this.#factors = factorize(n);
    this.#cos = new Float64Array(n);
    this.#sin = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.#cos[i] = Math.cos((2 * Math.PI * i) / n);
      this.#sin[i] = -Math.sin((2 * Math.PI * i) / n);
    }
    const widest = Math.max(1, ...this.#factors);
    this.#scratchRe = new Float64Array(widest);
    this.#scratchIm = new Float64Array(widest);
  }

  /** out = DFT(in), X[k] = sum_j x[j] e^{-2 pi i jk/n}. `in` and `out` must not overlap. */
  transform(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array) {
    this.#step(inRe, inIm, 0, 1, this.n, outRe, outIm, 0, 0);
  }

  #step(
    inRe: Float64Array,
    inIm: Float64Array,
    inOff: number,
    stride: number,
    n: number,
    outRe: Float64Array,
    outIm: Float64Array,
    outOff: number,
    level: number,
  ) {
    if (n === 1) {
      outRe[outOff] = inRe[inOff] as number;
      outIm[outOff] = inIm[inOff] as number;
      return;
    }
    const p = this.#factors[level] as number;
    const m = n / p;
    // Sub-transforms of the p interleaved sub-sequences x[q + p j], stored one after another.
    for (let q = 0; q < p; q++) {
      this.#step(
        inRe,
        inIm,
        inOff + q * stride,
        stride * p,
        m,
        outRe,
        outIm,
        outOff + q * m,
        level + 1,
      );
    }
    // Butterflies: X[k + m s] = sum_q W_n^{q (k + m s)} Y_q[k]; for a fixed k they read and write
    // the same p slots, so each k is done in place through a p-element scratch.
    const scale = this.n / n;
    const sr = this.#scratchRe;
    const si = this.#scratchIm;
    for (let k = 0; k < m; k++) {
      for (let q = 0; q < p; q++) {
        sr[q] = outRe[outOff + q * m + k] as number;
        si[q] = outIm[outOff + q * m + k] as number;
      }
      for (let s = 0; s < p; s++) {
        const index = k + m * s;
        let re = 0;
        let im = 0;
        for (let q = 0; q < p; q++) {
          const t = ((q * index) % n) * scale;
          const c = this.#cos[t] as number;
          const d = this.#sin[t] as number;
          const a = sr[q] as number;
          const b = si[q] as number;
          re += a * c - b * d;
          im += a * d + b * c;
        }
        outRe[outOff + index] = re;
        outIm[outOff + index] = im;
      }
    }
  }
}
