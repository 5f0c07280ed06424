import { checkSameLength, encodeLabels, type Labels } from "./labels.js";

/** Counts of points per (class, cluster) pair. */
export interface ContingencyTable {
  /** Distinct true labels (rows), sorted. */
  classes: Array<number | string>;
  /** Distinct predicted labels (columns), sorted. */
  clusters: Array<number | string>;
  /** Row-major counts [classes.length, clusters.length]. */
  counts: Int32Array;
  shape: [number, number];
}

/**
 * Contingency table of true labels (rows) against predicted labels (columns), the same table as
 * scikit-learn's `contingency_matrix(labels_true, labels_pred)`.
 *
 * @example
 * contingencyTable([0, 0, 1], ["a", "b", "b"]).counts // Int32Array [1, 1, 0, 1]
 */
export function contingencyTable(labelsTrue: Labels, labelsPred: Labels): ContingencyTable {
  checkSameLength(labelsTrue, labelsPred);
  const t = encodeLabels(labelsTrue);
  const p = encodeLabels(labelsPred);
  const rows = t.classes.length;
  const cols = p.classes.length;
  const counts = new Int32Array(rows * cols);
  for (let i = 0; i < t.codes.length; i++) counts[t.codes[i]! * cols + p.codes[i]!]! += 1;
  return { classes: t.classes, clusters: p.classes, counts, shape: [rows, cols] };
}

/** Row sums and column sums of a table. */
export function marginals(table: ContingencyTable): { rows: Float64Array; cols: Float64Array } {
  const [r, c] = table.shape;
  const rows = new Float64Array(r);
  const cols = new Float64Array(c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const v = table.counts[i * c + j]!;
      rows[i]! += v;
      cols[j]! += v;
    }
  }
  return { rows, cols };
}
