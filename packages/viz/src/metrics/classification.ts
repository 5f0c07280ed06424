/**
 * Scores of predicted labels against true labels (a classifier's top-1), each as scikit-learn 1.2
 * defines it: `accuracy_score`, `confusion_matrix` and the per-class `recall_score` /
 * `precision_score` with `average=None` and `zero_division=0`.
 */
import { checkSameLength, encodeLabels, type Labels } from "./labels.js";

/** Counts of (true, predicted) label pairs over the union of both label sets. */
export interface ConfusionMatrix {
  /** The labels of rows and columns alike: every label found in either input, sorted. */
  classes: Array<number | string>;
  /** Row-major counts [classes.length, classes.length]: row = true label, column = predicted. */
  counts: Int32Array;
  /** Number of points counted. */
  n: number;
}

/**
 * The confusion matrix, as `confusion_matrix(labels_true, labels_pred)`: rows and columns are
 * the sorted union of both labelings, so a prediction outside the true labels gets a column.
 *
 * @example
 * confusionMatrix(["a", "b", "b"], ["a", "a", "b"]).counts // Int32Array [1, 0, 1, 1]
 */
export function confusionMatrix(labelsTrue: Labels, labelsPred: Labels): ConfusionMatrix {
  checkSameLength(labelsTrue, labelsPred);
  const n = labelsTrue.length;
  const both = [
    ...Array.from(labelsTrue as ArrayLike<number | string>),
    ...Array.from(labelsPred as ArrayLike<number | string>),
  ];
  if (both.some((v) => typeof v === "number") && both.some((v) => typeof v === "string")) {
    throw new TypeError("labels mix numbers and strings; give both as one type");
  }
  const { codes, classes } = encodeLabels(both as Labels);
  const c = classes.length;
  const counts = new Int32Array(c * c);
  for (let i = 0; i < n; i++) counts[codes[i]! * c + codes[n + i]!]! += 1;
  return { classes, counts, n };
}

/** Fraction of points whose prediction equals the true label (`accuracy_score`); NaN when empty. */
export function accuracy(labelsTrue: Labels, labelsPred: Labels): number {
  checkSameLength(labelsTrue, labelsPred);
  const n = labelsTrue.length;
  if (n === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < n; i++)
    if ((labelsTrue as ArrayLike<unknown>)[i] === (labelsPred as ArrayLike<unknown>)[i]) hits++;
  return hits / n;
}

/** Per-class recall, precision and support, in the matrix's class order. */
export interface ClassScores {
  classes: Array<number | string>;
  /** Correct / true count of each class; 0 for a class that never occurs as a true label. */
  recall: Float64Array;
  /** Correct / predicted count of each class; 0 for a class that is never predicted. */
  precision: Float64Array;
  /** Number of points whose true label is the class. */
  support: Int32Array;
}

/** Recall and precision per class from a confusion matrix (sklearn's `zero_division=0`). */
export function classScores(cm: ConfusionMatrix): ClassScores {
  const c = cm.classes.length;
  const recall = new Float64Array(c);
  const precision = new Float64Array(c);
  const support = new Int32Array(c);
  for (let k = 0; k < c; k++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < c; j++) {
      row += cm.counts[k * c + j]!;
      col += cm.counts[j * c + k]!;
    }
    const hit = cm.counts[k * c + k]!;
    support[k] = row;
    recall[k] = row > 0 ? hit / row : 0;
    precision[k] = col > 0 ? hit / col : 0;
  }
  return { classes: cm.classes, recall, precision, support };
}

/** The largest off-diagonal cells, most frequent first: which label is taken for which. */
export function topConfusions(
  cm: ConfusionMatrix,
  limit = 10,
): { label: number | string; predicted: number | string; count: number }[] {
  const c = cm.classes.length;
  const out: { label: number | string; predicted: number | string; count: number }[] = [];
  for (let i = 0; i < c; i++)
    for (let j = 0; j < c; j++) {
      const count = cm.counts[i * c + j]!;
      if (i !== j && count > 0)
        out.push({ label: cm.classes[i]!, predicted: cm.classes[j]!, count });
    }
  out.sort((a, b) => b.count - a.count);
  return out.slice(0, limit);
}
