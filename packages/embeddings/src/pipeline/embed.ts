/**
 * The embedding pipeline: records in, chunks of embeddings out, in source order.
 *
 * Records are decoded ahead of the model on a bounded queue (`prefetchMap`), gathered into
 * chunks (the unit of output and of crash recovery), and each chunk's clips, cut into windows
 * when long, are packed into length-bucketed batches. Results are put back in source order, so
 * the output does not depend on the batching.
 */

import type { DecodeLimits } from "../audio/decode.js";
import { requireLabels, softmaxRows, topK } from "../kws/scores.js";
import { packBatch } from "./batch.js";
import { planBatches } from "./buckets.js";
import { combinedWidth, combineLayers, type LayerSelection, parseLayerSpec } from "./layers.js";
import { l2Normalize, poolWindows } from "./pooling.js";
import {
  type ErrorRow,
  frameStride,
  type IndexedRecord,
  type PreparedRecord,
  prepareRecord,
  receptiveField,
  recordPath,
} from "./prepare.js";
import { prefetchMap } from "./queue.js";
import type { DecodeFn, EmbeddingModel, PoolMode } from "./types.js";
import { planWindows } from "./windows.js";

/** Options of `embedRecords`. */
export interface EmbedOptions {
  /** Decoder (the real one is `decodeAudio` from this package). */
  decode: DecodeFn;
  /**
   * Limits of each decode (`maxSeconds`, `allowTruncated`), passed to `decode`. An input that
   * breaks them becomes an error row (ERR_TOO_LONG, ERR_TRUNCATED). Default: the decoder's own
   * (4 hours; truncated inputs are errors).
   */
  decodeLimits?: DecodeLimits;
  /** Layer spec, see `parseLayerSpec`. Default "-1" (final hidden state). */
  layer?: string | number;
  /** Pooling over frames. Default "mean". */
  pool?: PoolMode;
  /** L2-normalise each embedding. Default false. */
  normalize?: boolean;
  /** Also return frame-level vectors (layers combined, not pooled). Default false. */
  frames?: boolean;
  /**
   * Also classify each clip with the model's head, in the same forward pass: each row gets its
   * top label and probability, and the chunk every label's probability (`EmbeddedChunk.scores`).
   * A clip cut into windows averages its windows' probabilities, weighted by their frames.
   * Needs a model with a head (ERR_NO_HEAD otherwise). Default false.
   */
  predict?: boolean;
  /** Budget of padded audio per batch, in seconds. Default 30; at least one window. */
  batchSeconds?: number;
  /** Most clips (or windows) per batch. Default 64. */
  maxBatch?: number;
  /** Window length for long recordings, seconds. Default 30. */
  windowSeconds?: number;
  /** Overlap between windows, seconds. Default 2. */
  overlapSeconds?: number;
  /** A chunk closes after this much audio, seconds. Default 600. */
  chunkSeconds?: number;
  /** ...or after this many records. Default 512. */
  chunkRecords?: number;
  /** Decodes running at once. Default 2. */
  decodeConcurrency?: number;
  /** Decoded records waiting for the model, at most. Default 64. */
  prefetch?: number;
  signal?: AbortSignal;
  /**
   * More copies of the model (the same file, loaded on other devices, e.g. cuda:1, cuda:2).
   * Each copy takes the next batch as soon as it is free, so all devices are fed from the one
   * decode queue; results are put back in source order as usual. Default none.
   */
  replicas?: EmbeddingModel[];
  /**
   * Batches in flight per model copy. With 2, the next batch is packed and handed to the model
   * while the current one computes (core-native stages it natively), so a GPU does not wait
   * for JavaScript between batches. 1 calls each model one batch at a time. Default
   * `defaultBatchesInFlight(model.device)`: 2 on a GPU, 1 on the CPU.
   */
  batchesInFlight?: number;
  /**
   * Called after each batch with the audio seconds it held. `forwardSec` runs from the call to
   * its result, so with two batches in flight it includes the wait behind the other one.
   */
  onBatch?: (info: { clips: number; audioSec: number; forwardSec: number }) => void;
}

/** Metadata of one embedded record. */
export interface EmbeddedRow {
  index: number;
  id: string;
  path: string | null;
  label: string | null;
  durationSec: number;
  sampleRate: number;
  channels: number;
  windows: number;
  metadata: Record<string, unknown>;
  /** The head's most probable label, with `predict`. */
  prediction?: string;
  /** Its probability, with `predict`. */
  predictionScore?: number;
}

/** One chunk of results, in source order. */
export interface EmbeddedChunk {
  rows: EmbeddedRow[];
  /** [rows.length, dim] row-major. */
  embeddings: Float32Array;
  dim: number;
  /** Frame-level vectors when requested: all rows' frames back to back, `counts[i]` per row. */
  frames?: { data: Float32Array; counts: Int32Array; dim: number };
  /** With `predict`: [rows.length, labels.length] probabilities, row-major. */
  scores?: { data: Float32Array; labels: string[] };
  errors: ErrorRow[];
  /** Source indices this chunk accounts for (rows and errors), ascending. */
  indices: number[];
  stats: ChunkStats;
}

export interface ChunkStats {
  validSamples: number;
  paddedSamples: number;
  batches: number;
  /** Batches split in two after the model ran out of memory. */
  oomSplits: number;
  /** The padded-samples budget per batch after this chunk (lowered by out-of-memory splits). */
  budgetSamples: number;
  /** Seconds the model copies spent running this chunk's calls (when the model reports timing). */
  modelSec: number;
  /**
   * Seconds the model copies sat idle just before this chunk's calls (waiting for the host:
   * decoding, packing, result hand-back). With `modelSec`, how well the model was kept fed.
   */
  modelIdleSec: number;
}

/**
 * Batches to keep in flight on a model on `device`. On a GPU, 2: the host packs and stages
 * batch N+1 while the device computes batch N. On the CPU, 1: the CPU is the device, so the
 * packing can only overlap with a forward by taking cores from it; with every core in the
 * forward, 2 in flight gained nothing on the 2-core development machine (docs/benchmarks.md).
 */
export function defaultBatchesInFlight(device: string | undefined): number {
  return device?.startsWith("cuda") ? 2 : 1;
}

/** Padded audio per batch, seconds, when `batchSeconds` is not given (embedding and classification). */
export const DEFAULT_BATCH_SECONDS = 30;

/** Error code of the model runtime when a batch does not fit in memory. */
const OUT_OF_MEMORY = "ERR_OUT_OF_MEMORY";

interface Item {
  clip: number;
  start: number;
  end: number;
}

/** Resolved settings shared by every chunk. */
interface Plan {
  selection: LayerSelection;
  pool: PoolMode;
  /** Width of one layer's pooled row: hiddenSize, or twice it for meanstd. */
  perLayer: number;
  width: number;
  framesWidth: number;
  budget: number;
  window: number;
  overlap: number;
  stride: number;
  /** The head's labels, when predicting. */
  labels?: string[];
}

/**
 * Embeds records in source order, one chunk at a time.
 * @example
 * for await (const chunk of embedRecords(model, records, { decode: decodeAudio })) write(chunk);
 */
export async function* embedRecords(
  model: EmbeddingModel,
  records: AsyncIterable<IndexedRecord> | Iterable<IndexedRecord>,
  options: EmbedOptions,
): AsyncGenerator<EmbeddedChunk> {
  const info = model.info;
  const rate = info.samplingRate;
  for (const r of options.replicas ?? []) {
    if (
      r.info.samplingRate !== rate ||
      r.info.hiddenSize !== info.hiddenSize ||
      r.info.numHiddenStates !== info.numHiddenStates
    ) {
      throw Object.assign(new Error("replicas must be copies of the same model"), {
        code: "ERR_REPLICA_MISMATCH",
      });
    }
  }
  const inFlight = options.batchesInFlight;
  if (inFlight !== undefined && (!Number.isInteger(inFlight) || inFlight < 1)) {
    throw Object.assign(
      new RangeError(`batchesInFlight must be an integer >= 1, got ${inFlight}`),
      {
        code: "ERR_INVALID_ARG_VALUE",
      },
    );
  }
  const selection = parseLayerSpec(options.layer ?? "-1", info.numHiddenStates);
  const pool = options.pool ?? "mean";
  const perLayer = pool === "meanstd" ? 2 * info.hiddenSize : info.hiddenSize;
  const window = Math.round((options.windowSeconds ?? 30) * rate);
  const overlap = Math.round((options.overlapSeconds ?? 2) * rate);
  if (!(window > overlap) || overlap < 0) {
    // Each window must move the next one forward, or a long recording never ends.
    throw Object.assign(
      new RangeError(
        `the window (${options.windowSeconds ?? 30} s) must be longer than the overlap (${options.overlapSeconds ?? 2} s), and the overlap not negative`,
      ),
      { code: "ERR_INVALID_ARG_VALUE" },
    );
  }
  const labels = options.predict ? requireLabels(info) : undefined;
  const plan: Plan = {
    selection,
    pool,
    perLayer,
    width: combinedWidth(selection, perLayer),
    framesWidth: combinedWidth(selection, info.hiddenSize),
    budget: Math.max(window, Math.round((options.batchSeconds ?? DEFAULT_BATCH_SECONDS) * rate)),
    window,
    overlap,
    stride: frameStride(info.convStride),
    ...(labels && { labels }),
  };
  const prepared = prefetchMap(
    records,
    (item) =>
      prepareRecord(item, {
        decode: options.decode,
        targetRate: rate,
        normalize: info.doNormalize,
        minSamples: info.minSamples ?? receptiveField(info.convKernel, info.convStride),
        limits: options.decodeLimits,
        signal: options.signal,
      }),
    { concurrency: options.decodeConcurrency ?? 2, capacity: options.prefetch ?? 64 },
  );
  const maxSamples = (options.chunkSeconds ?? 600) * rate;
  const maxRecords = options.chunkRecords ?? 512;
  // One chunk is embedded while the next one is gathered (and decoded), so the model does not
  // wait for I/O between chunks. A finished chunk is handed to the consumer only after the next
  // one has started, so the model does not wait for the consumer's write either. At most two
  // chunks plus the prefetch queue are in memory.
  let inflight: Promise<EmbeddedChunk> | undefined;
  let chunk: PreparedRecord[] = [];
  let samples = 0;
  // Stops a chunk still running when the consumer stops early (a failed write, a break).
  const stop = new AbortController();
  const chunkOptions = {
    ...options,
    signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal,
  };
  const next = async () => {
    const done = inflight && (await inflight);
    inflight = chunk.length > 0 ? embedChunk(model, chunk, plan, chunkOptions) : undefined;
    // The chunk is awaited later (after the next one is gathered); an abort can reject it
    // before then, which must not count as an unhandled rejection (the process would die with
    // the abort's stack trace instead of stopping cleanly).
    inflight?.catch(() => {});
    chunk = [];
    samples = 0;
    return done;
  };
  try {
    for await (const p of prepared) {
      options.signal?.throwIfAborted();
      chunk.push(p);
      samples += p.samples?.length ?? 0;
      if (chunk.length >= maxRecords || samples >= maxSamples) {
        const done = await next();
        if (done) yield done;
      }
    }
    const done = await next();
    if (done) yield done;
    if (inflight) yield await inflight;
    inflight = undefined;
  } finally {
    stop.abort(new Error("embedRecords was stopped before this chunk finished"));
    // Do not leave a rejected promise unobserved when the consumer stops early.
    inflight?.catch(() => {});
  }
}

async function embedChunk(
  model: EmbeddingModel,
  chunk: PreparedRecord[],
  plan: Plan,
  options: EmbedOptions,
): Promise<EmbeddedChunk> {
  const clips = chunk.filter((p) => p.samples);
  const items: Item[] = [];
  clips.forEach((p, clip) => {
    for (const w of planWindows(p.samples?.length ?? 0, plan.window, plan.overlap)) {
      items.push({ clip, start: w.start, end: w.end });
    }
  });
  const lengths = items.map((it) => it.end - it.start);
  const vectors = new Float32Array(items.length * plan.width);
  const frameCounts = new Int32Array(items.length);
  const frameVecs: (Float32Array | undefined)[] = new Array(items.length);
  const probs = plan.labels ? new Float32Array(items.length * plan.labels.length) : undefined;
  const failed = new Map<number, ErrorRow>();
  const stats: ChunkStats = {
    validSamples: 0,
    paddedSamples: 0,
    batches: 0,
    oomSplits: 0,
    budgetSamples: plan.budget,
    modelSec: 0,
    modelIdleSec: 0,
  };
  const sinks: Sinks = { vectors, frameCounts, frameVecs, probs, nonFinite: new Set(), stats };
  // On out-of-memory a batch is split in two and each half retried (recursively, down to one
  // clip), and the budget of later batches drops to half of what failed: no clip is lost to a
  // batch that was too large for the device.
  const runSplitting = async (
    worker: EmbeddingModel,
    batchItems: number[],
    paddedLength: number,
  ): Promise<boolean> => {
    try {
      return await runBatch(worker, batchItems, paddedLength, items, clips, plan, options, sinks);
    } catch (err) {
      if ((err as { code?: string }).code !== OUT_OF_MEMORY || batchItems.length < 2) throw err;
      stats.oomSplits++;
      // Half of what failed (never below the failed batch's longest clip: count >= 2).
      plan.budget = Math.min(plan.budget, Math.floor((paddedLength * batchItems.length) / 2));
      const half = Math.ceil(batchItems.length / 2);
      for (const part of [batchItems.slice(0, half), batchItems.slice(half)]) {
        const longest = Math.max(...part.map((i) => lengths[i] as number));
        await runSplitting(worker, part, longest);
      }
      return true;
    }
  };
  const batches = planBatches(lengths, {
    batchSamples: plan.budget,
    maxBatch: options.maxBatch ?? 64,
  });
  // A model failure becomes an error row of the clip the item belongs to.
  const fail = (i: number, err: Error & { code?: string }) => {
    const clip = (items[i] as Item).clip;
    const p = clips[clip] as PreparedRecord;
    failed.set(clip, {
      index: p.index,
      id: p.record.id,
      path: recordPath(p.record),
      stage: "model",
      code: err.code ?? "ERR_MODEL",
      reason: err.message,
    });
  };
  let next = 0;
  // `batchesInFlight` loops per model copy, each taking the next batch when it is free.
  const work = async (worker: EmbeddingModel) => {
    while (next < batches.length) {
      const batch = batches[next++] as (typeof batches)[number];
      options.signal?.throwIfAborted();
      const t0 = performance.now();
      const ok = await runSplitting(worker, batch.items, batch.paddedLength).catch(
        async (err: Error) => {
          // Find the clip that breaks the batch by running the items one at a time.
          if (batch.items.length === 1) {
            fail(batch.items[0] as number, err);
            return false;
          }
          for (const i of batch.items) {
            await runBatch(
              worker,
              [i],
              lengths[i] as number,
              items,
              clips,
              plan,
              options,
              sinks,
            ).catch((e: Error) => fail(i, e));
          }
          return false;
        },
      );
      stats.batches++;
      stats.paddedSamples += batch.paddedLength * batch.items.length;
      let valid = 0;
      for (const i of batch.items) valid += lengths[i] as number;
      stats.validSamples += valid;
      options.onBatch?.({
        clips: batch.items.length,
        audioSec: valid / model.info.samplingRate,
        forwardSec: ok ? (performance.now() - t0) / 1000 : 0,
      });
    }
  };
  const lanes = [model, ...(options.replicas ?? [])].flatMap((m) =>
    Array(options.batchesInFlight ?? defaultBatchesInFlight(m.device)).fill(m),
  );
  await Promise.all(lanes.map(work));
  // A NaN or infinite output is the model's failure on that clip, never a row (issue 17 §4).
  for (const i of sinks.nonFinite) {
    if (!failed.has((items[i] as Item).clip))
      fail(
        i,
        Object.assign(
          new Error(
            "the model's output for this clip is not finite (NaN or infinity); with float16, try bfloat16 or float32",
          ),
          { code: "ERR_NON_FINITE" },
        ),
      );
  }
  stats.budgetSamples = plan.budget;
  return assemble(chunk, clips, items, plan, options, sinks, failed);
}

interface Sinks {
  vectors: Float32Array;
  frameCounts: Int32Array;
  frameVecs: (Float32Array | undefined)[];
  /** Per item: the head's label probabilities, when predicting. */
  probs: Float32Array | undefined;
  /** Items whose pooled row, frames or logits held a NaN or an infinity. */
  nonFinite: Set<number>;
  stats: ChunkStats;
}

async function runBatch(
  model: EmbeddingModel,
  batchItems: number[],
  paddedLength: number,
  items: Item[],
  clips: PreparedRecord[],
  plan: Plan,
  options: EmbedOptions,
  sinks: Sinks,
): Promise<boolean> {
  const pieces = batchItems.map((i) => {
    const it = items[i] as Item;
    const samples = (clips[it.clip] as PreparedRecord).samples as Float32Array;
    return samples.subarray(it.start, it.end);
  });
  const input = packBatch(pieces, paddedLength);
  const out = await model.forward(input, {
    outputs: [
      "pooled",
      ...(options.frames ? (["hidden"] as const) : []),
      ...(plan.labels ? (["logits"] as const) : []),
    ],
    layers: plan.selection.layers,
    pool: plan.pool,
  });
  if (out.timing) {
    sinks.stats.modelSec += out.timing.runMs / 1000;
    sinks.stats.modelIdleSec += (out.timing.idleBeforeMs ?? 0) / 1000;
  }
  if (!out.pooled)
    throw Object.assign(new Error("the model returned no pooled output"), { code: "ERR_MODEL" });
  const n = input.batch;
  const perLayer = out.pooled.shape[2] as number;
  const expected = [plan.selection.layers.length, n, plan.perLayer];
  if (out.pooled.shape.some((d, k) => d !== expected[k]) || out.pooled.shape.length !== 3)
    // A model whose rows are narrower or wider than its metadata says would write scrambled
    // or zero-padded rows.
    throw Object.assign(
      new Error(
        `the model's pooled output is [${out.pooled.shape.join(", ")}], expected [${expected.join(", ")}] from its metadata (hidden size ${plan.perLayer})`,
      ),
      { code: "ERR_MODEL_OUTPUT" },
    );
  batchItems.forEach((i, b) => {
    combineLayers(
      plan.selection,
      out.pooled?.data as Float32Array,
      n,
      perLayer,
      b,
      sinks.vectors,
      i * plan.width,
    );
    sinks.frameCounts[i] = Number(out.frameLengths[b]);
    if (!allFinite(sinks.vectors, i * plan.width, (i + 1) * plan.width)) sinks.nonFinite.add(i);
  });
  const probs = sinks.probs;
  if (plan.labels && probs) {
    const classes = plan.labels.length;
    if (!out.logits)
      throw Object.assign(new Error("the model returned no logits"), { code: "ERR_MODEL" });
    const p = softmaxRows(out.logits.data, classes);
    batchItems.forEach((i, b) => {
      probs.set(p.subarray(b * classes, (b + 1) * classes), i * classes);
      if (!allFinite(probs, i * classes, (i + 1) * classes)) sinks.nonFinite.add(i);
    });
  }
  if (options.frames && out.hidden) {
    const [, , f, h] = out.hidden.shape as [number, number, number, number];
    batchItems.forEach((i, b) => {
      const count = sinks.frameCounts[i] as number;
      const dst = new Float32Array(count * plan.framesWidth);
      for (let t = 0; t < count; t++) {
        combineLayers(
          plan.selection,
          out.hidden?.data as Float32Array,
          n * f,
          h,
          b * f + t,
          dst,
          t * plan.framesWidth,
        );
      }
      sinks.frameVecs[i] = dst;
      if (!allFinite(dst, 0, dst.length)) sinks.nonFinite.add(i);
    });
  }
  return true;
}

function assemble(
  chunk: PreparedRecord[],
  clips: PreparedRecord[],
  items: Item[],
  plan: Plan,
  options: EmbedOptions,
  sinks: Sinks,
  failed: Map<number, ErrorRow>,
): EmbeddedChunk {
  const byClip: number[][] = clips.map(() => []);
  items.forEach((it, i) => {
    byClip[it.clip]?.push(i);
  });
  const rows: EmbeddedRow[] = [];
  const errors: ErrorRow[] = [];
  const okClips: number[] = [];
  let clip = 0;
  for (const p of chunk) {
    if (p.error) {
      errors.push(p.error);
      continue;
    }
    const c = clip++;
    const err = failed.get(c);
    if (err) {
      errors.push(err);
      continue;
    }
    okClips.push(c);
    rows.push({
      index: p.index,
      id: p.record.id,
      path: recordPath(p.record),
      label: p.record.label ?? null,
      durationSec: p.durationSec ?? 0,
      sampleRate: p.originalSampleRate ?? 0,
      channels: p.channels ?? 1,
      windows: byClip[c]?.length ?? 0,
      metadata: p.record.metadata ?? {},
    });
  }
  const embeddings = new Float32Array(rows.length * plan.width);
  const classes = plan.labels?.length ?? 0;
  const scores = new Float32Array(rows.length * classes);
  const frameParts: Float32Array[] = [];
  const counts = new Int32Array(rows.length);
  okClips.forEach((c, r) => {
    const its = byClip[c] as number[];
    const weights = its.map((i) => sinks.frameCounts[i] as number);
    const v = poolWindows(rowsOf(sinks.vectors, its, plan.width), weights, plan.width, plan.pool);
    if (options.normalize) l2Normalize(v);
    embeddings.set(v, r * plan.width);
    if (plan.labels && sinks.probs) {
      // The same frame-weighted mean over windows as a mean-pooled embedding.
      const row = poolWindows(rowsOf(sinks.probs, its, classes), weights, classes, "mean");
      scores.set(row, r * classes);
      const top = topK(row, plan.labels, 1)[0];
      const out = rows[r] as EmbeddedRow;
      out.prediction = top?.label;
      out.predictionScore = top?.score;
    }
    if (options.frames) {
      let total = 0;
      its.forEach((i, k) => {
        const fv = sinks.frameVecs[i] as Float32Array;
        // Later windows start inside the previous one; drop the frames the previous window covered.
        const prev = k > 0 ? (items[its[k - 1] as number] as Item) : undefined;
        const it = items[i] as Item;
        const skip = prev
          ? Math.min(fv.length / plan.framesWidth, Math.round((prev.end - it.start) / plan.stride))
          : 0;
        const part = fv.subarray(skip * plan.framesWidth);
        frameParts.push(part);
        total += part.length / plan.framesWidth;
      });
      counts[r] = total;
    }
  });
  const result: EmbeddedChunk = {
    rows,
    embeddings,
    dim: plan.width,
    errors,
    indices: chunk.map((p) => p.index),
    stats: sinks.stats,
  };
  if (plan.labels) result.scores = { data: scores, labels: plan.labels };
  if (options.frames) {
    const size = frameParts.reduce((s, f) => s + f.length, 0);
    const data = new Float32Array(size);
    let o = 0;
    for (const f of frameParts) {
      data.set(f, o);
      o += f.length;
    }
    result.frames = { data, counts, dim: plan.framesWidth };
  }
  return result;
}

function allFinite(data: Float32Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (!Number.isFinite(data[k] as number)) return false;
  return true;
}

/** Rows `items` of a row-major [n, width] matrix, stacked in that order. */
function rowsOf(matrix: Float32Array, items: number[], width: number): Float32Array {
  const out = new Float32Array(items.length * width);
  items.forEach((i, k) => {
    out.set(matrix.subarray(i * width, (i + 1) * width), k * width);
  });
  return out;
}
