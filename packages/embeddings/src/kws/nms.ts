/**
 * Non-maximum suppression for keyword events. Overlapping windows that hear the same word all
 * fire; NMS keeps the best-scoring one. Per label: events are taken best score first (ties: the
 * earlier one), and an event is dropped when its temporal IoU (intersection over union of the
 * [start, end) intervals) with an already kept event of the same label exceeds `iou`. The
 * default `iou` of 0 drops any overlap, which suits keywords (about one window long): one word
 * spoken once gives one event. Events of different labels never suppress each other.
 */

/** A detected keyword. Times in seconds. */
export interface KeywordEvent {
  label: string;
  start: number;
  end: number;
  score: number;
}

/** Temporal intersection over union of two intervals. */
export function temporalIoU(
  a: { start: number; end: number },
  b: { start: number; end: number },
): number {
  const inter = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return union <= 0 ? 0 : inter / union;
}

/** The events NMS keeps, sorted by start time (then label). */
export function nonMaxSuppression(events: KeywordEvent[], iou = 0): KeywordEvent[] {
  const order = [...events].sort((a, b) => b.score - a.score || a.start - b.start);
  const kept: KeywordEvent[] = [];
  for (const e of order) {
    if (kept.every((k) => k.label !== e.label || temporalIoU(k, e) <= iou)) kept.push(e);
  }
  return kept.sort((a, b) => a.start - b.start || a.label.localeCompare(b.label));
}
