/**
 * Length bucketing. Items are sorted by length and cut into batches whose padded size
 * (longest item × count) stays under a budget of samples, so a batch of short clips holds many
 * clips and a batch of long ones few, and padding stays small. The output order of the pipeline
 * does not depend on this plan: results are put back in input order afterwards.
 */

/** Batching limits. */
export interface BucketOptions {
  /** Padded samples per batch (longest × count). Default 480,000 (30 s at 16 kHz). */
  batchSamples?: number;
  /** Upper bound on clips per batch. Default 64. */
  maxBatch?: number;
}

/** One planned batch: indices into the input list, and its padded length. */
export interface PlannedBatch {
  items: number[];
  paddedLength: number;
}

/**
 * Plans batches for items of the given lengths. An item longer than the budget gets a batch of
 * its own. Ties are broken by index so the plan is deterministic.
 */
export function planBatches(
  lengths: ArrayLike<number>,
  options: BucketOptions = {},
): PlannedBatch[] {
  const budget = options.batchSamples ?? 480_000;
  const maxBatch = options.maxBatch ?? 64;
  const order = Array.from({ length: lengths.length }, (_, i) => i);
  // Longest first: a batch's padded length is its first item's length.
  order.sort((a, b) => (lengths[b] as number) - (lengths[a] as number) || a - b);
  const batches: PlannedBatch[] = [];
  let current: PlannedBatch | undefined;
  for (const i of order) {
    const len = lengths[i] as number;
    if (
      current &&
      current.items.length < maxBatch &&
      current.paddedLength * (current.items.length + 1) <= budget
    ) {
      current.items.push(i);
    } else {
      current = { items: [i], paddedLength: len };
      batches.push(current);
    }
  }
  return batches;
}

/** Valid samples over padded samples for a plan (1 = no padding). */
export function paddingEfficiency(lengths: ArrayLike<number>, batches: PlannedBatch[]): number {
  let valid = 0;
  let total = 0;
  for (const b of batches) {
    total += b.paddedLength * b.items.length;
    for (const i of b.items) valid += lengths[i] as number;
  }
  return total === 0 ? 1 : valid / total;
}
