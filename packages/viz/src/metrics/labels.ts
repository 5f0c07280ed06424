/** Class or cluster labels, one per point: numbers (e.g. an Int32Array) or strings. */
export type Labels = ArrayLike<number> | ReadonlyArray<string>;

/** Labels mapped to dense codes 0..classes.length-1, in sorted label order. */
export interface EncodedLabels {
  codes: Int32Array;
  /** The distinct labels, sorted (numbers ascending, or strings by code unit). */
  classes: Array<number | string>;
}

/**
 * Maps labels to codes in sorted order, as numpy's `unique(..., return_inverse=True)` does, so
 * tables built from the codes list classes in the same order as scikit-learn.
 */
export function encodeLabels(labels: Labels): EncodedLabels {
  const n = labels.length;
  const distinct = [...new Set(Array.from(labels as ArrayLike<number | string>))];
  distinct.sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : 1,
  );
  const index = new Map<number | string, number>();
  for (const [i, value] of distinct.entries()) index.set(value, i);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = index.get((labels as ArrayLike<number | string>)[i]!)!;
  return { codes, classes: distinct };
}

/** Throws a RangeError (code ERR_LABELS_LENGTH) unless both labelings have the same length. */
export function checkSameLength(a: Labels, b: Labels): void {
  if (a.length !== b.length) {
    throw Object.assign(
      new RangeError(`label arrays differ in length: ${a.length} vs ${b.length}`),
      { code: "ERR_LABELS_LENGTH" },
    );
  }
}
