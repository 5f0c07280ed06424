/**
 * Keyword detection in a long recording: the classifier slides over it in windows (default 1 s,
 * the length of a Speech Commands clip) every `hop` seconds; each window whose best non-ignored
 * label reaches `threshold` becomes a candidate event spanning the window, and per-label
 * non-maximum suppression (see nms.ts) keeps one event per spoken word. Labels in `ignore`
 * (default `_silence_`) never become events. Each window is normalised on its own when the
 * model asks for normalisation, because that is what the classifier saw in training.
 */
import { packBatch } from "../pipeline/batch.js";
import { normalizeInPlace } from "../pipeline/pooling.js";
import type { EmbeddingModel } from "../pipeline/types.js";
import { type KeywordEvent, nonMaxSuppression } from "./nms.js";
import { requireLabels, softmaxRows } from "./scores.js";

/** Options of `detectKeywords`. */
export interface DetectOptions {
  /** Window length, seconds. Default 1. */
  window?: number;
  /** Step between windows, seconds. Default 0.25. */
  hop?: number;
  /** Lowest probability that makes an event. Default 0.5. */
  threshold?: number;
  /** NMS: largest IoU allowed between two kept events of one label. Default 0 (no overlap). */
  iou?: number;
  /** Labels that are never events. Default ["_silence_"]. */
  ignore?: string[];
  /** Windows per forward call. Default 32. */
  batch?: number;
  signal?: AbortSignal;
}

/** Window starts (in samples) covering `length`, with a last window aligned to the end. */
export function slidingStarts(length: number, window: number, hop: number): number[] {
  if (length <= window) return [0];
  const starts: number[] = [];
  for (let s = 0; s + window <= length; s += hop) starts.push(s);
  const last = length - window;
  if ((starts.at(-1) as number) < last) starts.push(last);
  return starts;
}

/**
 * Detects keywords in `samples` (mono, at the model's rate, not yet normalised).
 * @example detectKeywords(model, audio.samples, { threshold: 0.7 }) // [{label:"yes",start:1.25,end:2.25,score:0.93}]
 */
export async function detectKeywords(
  model: EmbeddingModel,
  samples: Float32Array,
  options: DetectOptions = {},
): Promise<KeywordEvent[]> {
  const labels = requireLabels(model.info);
  const rate = model.info.samplingRate;
  const window = Math.round((options.window ?? 1) * rate);
  const hop = Math.max(1, Math.round((options.hop ?? 0.25) * rate));
  const threshold = options.threshold ?? 0.5;
  const ignore = new Set(options.ignore ?? ["_silence_"]);
  const starts = slidingStarts(samples.length, window, hop);
  const per = options.batch ?? 32;
  const candidates: KeywordEvent[] = [];
  for (let i = 0; i < starts.length; i += per) {
    options.signal?.throwIfAborted();
    const group = starts.slice(i, i + per);
    const pieces = group.map((s) => {
      const piece = samples.slice(s, Math.min(samples.length, s + window));
      if (model.info.doNormalize) normalizeInPlace(piece);
      return piece;
    });
    const input = packBatch(pieces, Math.max(...pieces.map((p) => p.length)));
    const out = await model.forward(input, {
      outputs: ["logits"],
      layers: [model.info.numHiddenStates - 1],
    });
    if (!out.logits)
      throw Object.assign(new Error("the model returned no logits"), { code: "ERR_MODEL" });
    const probs = softmaxRows(out.logits.data, labels.length);
    group.forEach((s, row) => {
      let best = -1;
      for (let c = 0; c < labels.length; c++) {
        if (ignore.has(labels[c] as string)) continue;
        if (
          best < 0 ||
          (probs[row * labels.length + c] as number) > (probs[row * labels.length + best] as number)
        )
          best = c;
      }
      const score = best < 0 ? 0 : (probs[row * labels.length + best] as number);
      if (best >= 0 && score >= threshold) {
        candidates.push({
          label: labels[best] as string,
          start: s / rate,
          end: (s + (pieces[row]?.length ?? 0)) / rate,
          score,
        });
      }
    });
  }
  return nonMaxSuppression(candidates, options.iou ?? 0);
}
