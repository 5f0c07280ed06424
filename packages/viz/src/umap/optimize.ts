/**
 * UMAP's layout optimisation (stochastic gradient descent on the fuzzy cross-entropy with
 * negative sampling) with umap-js 1.4's exact update rule, epoch schedule and random-number
 * sequence, on Float64Arrays. For the same graph and PRNG it reproduces umap-js's layout bit
 * for bit (see test/umap.test.ts), several times faster.
 */
import type { Random } from "./random.js";
import type { Csr } from "./sparse.js";

/** umap-js's default epoch count for a graph of n rows. */
export function defaultEpochs(n: number): number {
  if (n <= 2500) return 500;
  if (n <= 5000) return 400;
  if (n <= 7500) return 300;
  return 200;
}

/** Edges to optimise, in row-major order, with their sampling schedule. */
export interface EdgeSchedule {
  /** Moving end (a row of `graph`). */
  head: Int32Array;
  /** Other end (a column). */
  tail: Int32Array;
  epochsPerSample: Float64Array;
}

/**
 * Drops edges weaker than max / nEpochs and gives each edge an epochs-per-sample period
 * proportional to 1 / weight (umap-js makeEpochsPerSample). In a fit umap-js moves the column
 * end of each (row, col) edge (`headIsColumn`); in a transform, the row end.
 */
export function scheduleEdges(graph: Csr, nEpochs: number, headIsColumn: boolean): EdgeSchedule {
  let max = 0;
  for (const v of graph.values) if (v > max) max = v;
  const head: number[] = [];
  const tail: number[] = [];
  const weights: number[] = [];
  for (let r = 0; r < graph.rows; r++) {
    for (let p = graph.indptr[r]!; p < graph.indptr[r + 1]!; p++) {
      const v = graph.values[p]!;
      if (v < max / nEpochs || v === 0) continue;
      head.push(headIsColumn ? graph.indices[p]! : r);
      tail.push(headIsColumn ? r : graph.indices[p]!);
      weights.push(v);
    }
  }
  let wMax = Number.NEGATIVE_INFINITY;
  for (const w of weights) if (w > wMax) wMax = w;
  const epochsPerSample = new Float64Array(weights.length).fill(-1);
  for (let i = 0; i < weights.length; i++) {
    const nSamples = (weights[i]! / wMax) * nEpochs;
    if (nSamples > 0) epochsPerSample[i] = nEpochs / nSamples;
  }
  return { head: Int32Array.from(head), tail: Int32Array.from(tail), epochsPerSample };
}

export interface OptimizeParams {
  a: number;
  b: number;
  nEpochs: number;
  dim: number;
  /** Number of tail points negative samples are drawn from. */
  nVertices: number;
  random: Random;
  learningRate?: number;
  repulsionStrength?: number;
  negativeSampleRate?: number;
}

/** umap-js's default number of negative samples per positive sample. */
export const DEFAULT_NEGATIVE_SAMPLE_RATE = 5;

/**
 * The schedule's state before the first epoch: the epoch at which each edge is next sampled,
 * and next negatively sampled (both engines carry these between epochs).
 */
export function initialSampling(
  schedule: EdgeSchedule,
  negativeSampleRate = DEFAULT_NEGATIVE_SAMPLE_RATE,
): { nextSample: Float64Array; nextNegative: Float64Array } {
  return {
    nextSample: schedule.epochsPerSample.slice(),
    nextNegative: schedule.epochsPerSample.map((e) => e / negativeSampleRate),
  };
}

/**
 * Stateful SGD over `schedule`, moving `head` points (and `tail` points too when both are the
 * same array, as in a fit). Call step() nEpochs times.
 */
export class LayoutOptimizer {
  epoch = 0;
  private alpha: number;
  private readonly initialAlpha: number;
  private readonly gamma: number;
  private readonly nextSample: Float64Array;
  private readonly nextNegative: Float64Array;
  private readonly perNegative: Float64Array;

  constructor(
    private readonly headEmb: Float64Array,
    private readonly tailEmb: Float64Array,
    private readonly schedule: EdgeSchedule,
    private readonly p: OptimizeParams,
  ) {
    this.initialAlpha = p.learningRate ?? 1;
    this.alpha = this.initialAlpha;
    this.gamma = p.repulsionStrength ?? 1;
    const { nextSample, nextNegative } = initialSampling(schedule, p.negativeSampleRate);
    this.nextSample = nextSample;
    this.nextNegative = nextNegative;
    this.perNegative = nextNegative.slice();
  }

  /** One epoch; returns the number of epochs done. */
  step(): number {
    const n = this.epoch;
    const { head, tail, epochsPerSample } = this.schedule;
    const { a, b, dim, nVertices, random } = this.p;
    const cur = this.headEmb;
    const oth = this.tailEmb;
    const moveOther = cur === oth;
    const alpha = this.alpha;
    const gamma = this.gamma;
    for (let i = 0; i < epochsPerSample.length; i++) {
      if (this.nextSample[i]! > n) continue;
      const j = head[i]! * dim;
      const k = tail[i]! * dim;
      let d2 = 0;
      for (let d = 0; d < dim; d++) {
        const v = cur[j + d]! - oth[k + d]!;
        d2 += v * v;
      }
      let coeff = 0;
      if (d2 > 0) {
        coeff = -2.0 * a * b * d2 ** (b - 1.0);
        coeff /= a * d2 ** b + 1.0;
      }
      for (let d = 0; d < dim; d++) {
        const g = clip(coeff * (cur[j + d]! - oth[k + d]!));
        cur[j + d]! += g * alpha;
        if (moveOther) oth[k + d]! += -g * alpha;
      }
      this.nextSample[i]! += epochsPerSample[i]!;
      const nNeg = Math.floor((n - this.nextNegative[i]!) / this.perNegative[i]!);
      for (let s = 0; s < nNeg; s++) {
        const kk = Math.floor(random() * nVertices);
        const q = kk * dim;
        let dn = 0;
        for (let d = 0; d < dim; d++) {
          const v = cur[j + d]! - oth[q + d]!;
          dn += v * v;
        }
        let rc = 0;
        if (dn > 0) {
          rc = 2.0 * gamma * b;
          rc /= (0.001 + dn) * (a * dn ** b + 1);
        } else if (head[i] === kk) {
          continue;
        }
        for (let d = 0; d < dim; d++) {
          let g = 4.0;
          if (rc > 0) g = clip(rc * (cur[j + d]! - oth[q + d]!));
          cur[j + d]! += g * alpha;
        }
      }
      this.nextNegative[i]! += nNeg * this.perNegative[i]!;
    }
    this.alpha = this.initialAlpha * (1.0 - n / this.p.nEpochs);
    this.epoch += 1;
    return this.epoch;
  }
}

function clip(x: number): number {
  return Math.min(4, Math.max(-4, x));
}
