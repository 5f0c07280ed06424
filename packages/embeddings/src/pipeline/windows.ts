/**
 * Cutting long recordings into overlapping windows. The model's attention cost grows with the
 * square of the length, and an hour of audio would not fit in memory as one tensor, so clips
 * longer than the window are embedded piecewise and pooled across windows.
 */

/** One window: [start, end) in samples. */
export interface WindowSpan {
  start: number;
  end: number;
}

/**
 * Windows of `window` samples every `window - overlap` samples covering `length`. The last
 * window is aligned to the end (so it is full length) unless the clip is shorter than a window.
 * @example planWindows(100, 40, 10) // [0,40) [30,70) [60,100)
 */
export function planWindows(length: number, window: number, overlap: number): WindowSpan[] {
  if (length <= window) return [{ start: 0, end: length }];
  const hop = window - overlap;
  if (hop <= 0)
    throw new RangeError(`overlap (${overlap}) must be smaller than the window (${window})`);
  const spans: WindowSpan[] = [];
  let start = 0;
  for (;;) {
    if (start + window >= length) {
      spans.push({ start: Math.max(0, length - window), end: length });
      break;
    }
    spans.push({ start, end: start + window });
    start += hop;
  }
  return spans;
}
