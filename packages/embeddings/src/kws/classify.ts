/**
 * Clip classification with the model's head: top-k labels with softmax probabilities. Clips
 * are decoded ahead of the model and batched by length like embeddings. A clip longer than a
 * window is classified per window and the windows' probabilities are averaged, weighted by
 * valid frames.
 */
import type { DecodeLimits } from "../audio/decode.js";
import { packBatch } from "../pipeline/batch.js";
import { planBatches } from "../pipeline/buckets.js";
import { DEFAULT_BATCH_SECONDS } from "../pipeline/embed.js";
import {
  type ErrorRow,
  type IndexedRecord,
  prepareRecord,
  receptiveField,
  recordPath,
} from "../pipeline/prepare.js";
import { prefetchMap } from "../pipeline/queue.js";
import type { DecodeFn, EmbeddingModel } from "../pipeline/types.js";
import { planWindows } from "../pipeline/windows.js";
import { type LabelScore, requireLabels, softmaxRows, topK } from "./scores.js";

/** Options of `classifyRecords`. */
export interface ClassifyOptions {
  decode: DecodeFn;
  /** Limits of each decode, as `EmbedOptions.decodeLimits`. Default: the decoder's own. */
  decodeLimits?: DecodeLimits;
  /** Labels per clip. Default 3. */
  topK?: number;
  /** Padded audio per batch, seconds. Default 30. */
  batchSeconds?: number;
  /** Clips per group that are batched together (and kept in memory). Default 256. */
  groupSize?: number;
  /** Window for long clips, seconds. Default 30. */
  windowSeconds?: number;
  signal?: AbortSignal;
}

/** One clip's result: its top labels, or its error. */
export interface ClassifyResult {
  index: number;
  id: string;
  path: string | null;
  label: string | null;
  top?: LabelScore[];
  error?: ErrorRow;
}

/** Classifies records, yielding results in source order. */
export async function* classifyRecords(
  model: EmbeddingModel,
  records: AsyncIterable<IndexedRecord> | Iterable<IndexedRecord>,
  options: ClassifyOptions,
): AsyncGenerator<ClassifyResult> {
  const labels = requireLabels(model.info);
  const rate = model.info.samplingRate;
  const prepared = prefetchMap(records, (item) =>
    prepareRecord(item, {
      decode: options.decode,
      targetRate: rate,
      normalize: model.info.doNormalize,
      minSamples:
        model.info.minSamples ?? receptiveField(model.info.convKernel, model.info.convStride),
      limits: options.decodeLimits,
      signal: options.signal,
    }),
  );
  const budget = Math.round((options.batchSeconds ?? DEFAULT_BATCH_SECONDS) * rate);
  const window = Math.round((options.windowSeconds ?? 30) * rate);
  let group: Awaited<ReturnType<typeof prepareRecord>>[] = [];
  const flush = async function* () {
    const ok = group.filter((p) => p.samples);
    const items = ok.flatMap((p, clip) =>
      planWindows(p.samples?.length ?? 0, window, 0).map((w) => ({
        clip,
        samples: (p.samples as Float32Array).subarray(w.start, w.end),
      })),
    );
    const probs = new Float64Array(ok.length * labels.length);
    const weight = new Float64Array(ok.length);
    const lengths = items.map((it) => it.samples.length);
    for (const b of planBatches(lengths, { batchSamples: Math.max(budget, window) })) {
      const out = await model.forward(
        packBatch(
          b.items.map((i) => items[i]?.samples as Float32Array),
          b.paddedLength,
        ),
        {
          outputs: ["logits"],
          layers: [model.info.numHiddenStates - 1],
        },
      );
      if (!out.logits)
        throw Object.assign(new Error("the model returned no logits"), { code: "ERR_MODEL" });
      const p = softmaxRows(out.logits.data, labels.length);
      b.items.forEach((i, row) => {
        const clip = items[i]?.clip as number;
        const w = Number(out.frameLengths[row]);
        weight[clip] = (weight[clip] as number) + w;
        for (let c = 0; c < labels.length; c++) {
          const at = clip * labels.length + c;
          probs[at] = (probs[at] as number) + w * (p[row * labels.length + c] as number);
        }
      });
    }
    let clip = 0;
    for (const p of group) {
      const base = {
        index: p.index,
        id: p.record.id,
        path: recordPath(p.record),
        label: p.record.label ?? null,
      };
      if (p.error) {
        yield { ...base, error: p.error };
        continue;
      }
      const c = clip++;
      const row = Array.from(
        probs.subarray(c * labels.length, (c + 1) * labels.length),
        (v) => v / (weight[c] as number),
      );
      if (!row.every(Number.isFinite)) {
        // NaN or infinite logits are the model's failure on this clip, never a prediction.
        const reason = "the model's output for this clip is not finite (NaN or infinity)";
        const { label: _label, ...where } = base;
        yield {
          ...base,
          error: { ...where, stage: "model" as const, code: "ERR_NON_FINITE", reason },
        };
        continue;
      }
      yield { ...base, top: topK(row, labels, options.topK ?? 3) };
    }
    group = [];
  };
  for await (const p of prepared) {
    group.push(p);
    if (group.length >= (options.groupSize ?? 256)) yield* flush();
  }
  if (group.length > 0) yield* flush();
}
