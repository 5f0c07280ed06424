/**
 * Top-1 accuracy of the head's predictions (the `prediction` column of `embed --predict`): the
 * share of clips whose prediction equals their label; NaN when no clip has both.
 */
export function topOneAccuracy(labels: readonly string[], predictions: readonly string[]): number {
  let n = 0;
  let hit = 0;
  labels.forEach((label, i) => {
    const p = predictions[i];
    if (!p) return;
    n++;
    if (p === label) hit++;
  });
  return n === 0 ? Number.NaN : hit / n;
}
