/** Turning logits into probabilities and ranked labels. */

/** Row-wise softmax of [rows, classes] logits (max-subtracted, so large logits do not overflow). */
export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    const o = r * classes;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c] as number);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp((logits[o + c] as number) - max);
      out[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[o + c] = (out[o + c] as number) / sum;
  }
  return out;
}

/** A label with its probability. */
export interface LabelScore {
  label: string;
  score: number;
}

/** The `k` most probable labels of one row, best first (ties: lower class index first). */
export function topK(probs: ArrayLike<number>, labels: string[], k: number): LabelScore[] {
  return labels
    .map((label, c) => ({ label, score: probs[c] as number, c }))
    .sort((a, b) => b.score - a.score || a.c - b.c)
    .slice(0, Math.max(0, k))
    .map(({ label, score }) => ({ label, score }));
}

/** The model's labels, or an error saying it has no classification head. */
export function requireLabels(info: { labels?: string[] | null; hasHead?: boolean }): string[] {
  if (!info.hasHead || !info.labels?.length) {
    throw Object.assign(
      new Error(
        "this model has no classification head (id2label is empty); use a model exported with a head",
      ),
      {
        code: "ERR_NO_HEAD",
      },
    );
  }
  return info.labels;
}
