import {
  accuracy,
  classScores,
  confusionMatrix,
  topConfusions,
} from "../metrics/classification.js";
import type { ClusterLabelTable } from "./heatmap.js";

/** How a prediction column compares with the labels: the report's "Predictions" section. */
export interface PredictionSummary {
  /** Points with both a label and a prediction (the ones scored). */
  n: number;
  /** Points left out because the label or the prediction is empty. */
  missing: number;
  /** Top-1 accuracy over the n scored points. */
  accuracy: number;
  /** Every label or prediction seen, sorted; rows and columns of `confusion`. */
  classes: string[];
  /** confusion[i][j]: points labelled classes[i] and predicted classes[j]. */
  confusion: number[][];
  /** Per class, in `classes` order. */
  recall: number[];
  precision: number[];
  support: number[];
  /** The most frequent (label, predicted) mistakes, largest first. */
  topConfusions: { label: string; predicted: string; count: number }[];
}

/**
 * Scores predictions against labels over the points that have both (an empty string is a missing
 * value). Undefined when no point has both.
 */
export function predictionSummary(
  labels: readonly string[],
  predictions: readonly string[],
): PredictionSummary | undefined {
  if (labels.length !== predictions.length)
    throw new RangeError(`labels has ${labels.length} values, predictions ${predictions.length}`);
  const truth: string[] = [];
  const pred: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === "" || predictions[i] === "") continue;
    truth.push(labels[i]!);
    pred.push(predictions[i]!);
  }
  if (truth.length === 0) return undefined;
  const cm = confusionMatrix(truth, pred);
  const scores = classScores(cm);
  const c = cm.classes.length;
  return {
    n: truth.length,
    missing: labels.length - truth.length,
    accuracy: accuracy(truth, pred),
    classes: cm.classes.map(String),
    confusion: Array.from({ length: c }, (_, i) =>
      Array.from(cm.counts.subarray(i * c, (i + 1) * c)),
    ),
    recall: Array.from(scores.recall),
    precision: Array.from(scores.precision),
    support: Array.from(scores.support),
    topConfusions: topConfusions(cm).map((t) => ({
      label: String(t.label),
      predicted: String(t.predicted),
      count: t.count,
    })),
  };
}

/** The confusion matrix as a heat-map table: rows are the labels that occur, columns all classes. */
export function confusionTable(s: PredictionSummary): ClusterLabelTable {
  const rows = s.classes.map((_, i) => i).filter((i) => s.support[i]! > 0);
  const c = s.classes.length;
  const counts = new Int32Array(rows.length * c);
  rows.forEach((i, r) => {
    counts.set(s.confusion[i]!, r * c);
  });
  return { rows: rows.map((i) => s.classes[i]!), cols: s.classes, counts };
}
