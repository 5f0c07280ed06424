/**
 * Label-agreement scores, each computed as scikit-learn 1.2 defines it (same special cases),
 * so values agree with `sklearn.metrics` to floating-point rounding.
 */
import { type ContingencyTable, contingencyTable, marginals } from "./contingency.js";
import type { Labels } from "./labels.js";

/**
 * Adjusted Rand index (chance-corrected pair agreement), as `adjusted_rand_score`: 1 for
 * identical partitions (up to renaming), about 0 for random ones. Pair counts are exact (BigInt).
 */
export function adjustedRandIndex(labelsTrue: Labels, labelsPred: Labels): number {
  const table = contingencyTable(labelsTrue, labelsPred);
  const { rows, cols } = marginals(table);
  const n = BigInt(labelsTrue.length);
  let sumSquares = 0n;
  for (const v of table.counts) sumSquares += BigInt(v) * BigInt(v);
  const squares = (a: Float64Array) => a.reduce((s, v) => s + BigInt(v) * BigInt(v), 0n);
  const tp = sumSquares - n;
  const fp = squares(cols) - sumSquares;
  const fn = squares(rows) - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0n && fp === 0n) return 1.0;
  const num = 2n * (tp * tn - fn * fp);
  const den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return Number(num) / Number(den);
}

/** Shannon entropy (nats) of a labeling's class sizes; 1.0 for an empty labeling (sklearn). */
function entropyOf(sizes: Float64Array, total: number): number {
  if (total === 0) return 1.0;
  let h = 0;
  const logTotal = Math.log(total);
  for (const v of sizes) if (v > 0) h -= (v / total) * (Math.log(v) - logTotal);
  return h;
}

/** Mutual information (nats) of a contingency table, as `mutual_info_score`. */
export function mutualInfoFromTable(table: ContingencyTable): number {
  const [r, c] = table.shape;
  if (r === 1 || c === 1) return 0.0;
  const { rows, cols } = marginals(table);
  let total = 0;
  for (const v of table.counts) total += v;
  const logTotal = Math.log(total);
  let mi = 0;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const v = table.counts[i * c + j]!;
      if (v === 0) continue;
      const p = v / total;
      const term =
        p * (Math.log(v) - logTotal) + p * (-Math.log(rows[i]! * cols[j]!) + 2 * logTotal);
      // numpy zeroes terms below machine epsilon before summing
      if (Math.abs(term) >= Number.EPSILON) mi += term;
    }
  }
  return Math.max(mi, 0);
}

/**
 * Normalised mutual information with the arithmetic-mean normaliser (scikit-learn's default):
 * MI / ((H(true) + H(pred)) / 2).
 */
export function normalizedMutualInfo(labelsTrue: Labels, labelsPred: Labels): number {
  const table = contingencyTable(labelsTrue, labelsPred);
  const [r, c] = table.shape;
  if ((r === 1 && c === 1) || (r === 0 && c === 0)) return 1.0;
  const mi = mutualInfoFromTable(table);
  if (mi === 0) return 0.0;
  const { rows, cols } = marginals(table);
  const n = labelsTrue.length;
  const normalizer = (entropyOf(rows, n) + entropyOf(cols, n)) / 2;
  return mi / normalizer;
}

/** Homogeneity, completeness and their harmonic mean (beta = 1). */
export interface VMeasure {
  homogeneity: number;
  completeness: number;
  vMeasure: number;
}

/**
 * Homogeneity (each cluster holds one class), completeness (each class sits in one cluster) and
 * V-measure, as `homogeneity_completeness_v_measure` with its default beta = 1.
 */
export function vMeasure(labelsTrue: Labels, labelsPred: Labels, beta = 1): VMeasure {
  const n = labelsTrue.length;
  if (n === 0) return { homogeneity: 1, completeness: 1, vMeasure: 1 };
  const table = contingencyTable(labelsTrue, labelsPred);
  const { rows, cols } = marginals(table);
  const hC = entropyOf(rows, n);
  const hK = entropyOf(cols, n);
  const mi = mutualInfoFromTable(table);
  const homogeneity = hC ? mi / hC : 1.0;
  const completeness = hK ? mi / hK : 1.0;
  const v =
    homogeneity + completeness === 0
      ? 0
      : ((1 + beta) * homogeneity * completeness) / (beta * homogeneity + completeness);
  return { homogeneity, completeness, vMeasure: v };
}

/**
 * Purity: the fraction of points that belong to the majority class of their cluster,
 * sum over clusters of max class count / n. 1 when every cluster is pure.
 */
export function purity(labelsTrue: Labels, labelsPred: Labels): number {
  const table = contingencyTable(labelsTrue, labelsPred);
  const [r, c] = table.shape;
  let hits = 0;
  for (let j = 0; j < c; j++) {
    let best = 0;
    for (let i = 0; i < r; i++) best = Math.max(best, table.counts[i * c + j]!);
    hits += best;
  }
  return labelsTrue.length === 0 ? 1 : hits / labelsTrue.length;
}
