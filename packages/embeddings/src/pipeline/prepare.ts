/**
 * Decoding and checking one record before it reaches the model. Every failure becomes an
 * `ErrorRow` with the stage and a stable code, so each input is accounted for.
 */
import type { DecodeLimits } from "../audio/decode.js";
import { normalizeInPlace } from "./pooling.js";
import type { DecodeFn, InputRecord } from "./types.js";

/** Why a record produced no embedding. */
export interface ErrorRow {
  /** Position of the record in the (unsharded) source. */
  index: number;
  id: string;
  path: string | null;
  /**
   * "source" (the dataset could not read the record: a ragged CSV row, a bad JSONL line),
   * "decode" (reading/decoding), "validate" (checks on the samples) or "model" (forward).
   */
  stage: "source" | "decode" | "validate" | "model";
  /**
   * Stable code: ERR_MANIFEST_ROW (stage "source"), ERR_MISSING, ERR_UNSUPPORTED_FORMAT (a format the decoder does not read),
   * ERR_DECODE, ERR_EMPTY, ERR_NON_FINITE (input samples, or the model's output),
   * ERR_SAMPLE_RATE (a header rate outside [1000, 768000] Hz), ERR_TOO_LONG (past
   * `maxSeconds`), ERR_TRUNCATED (shorter than its header states), ERR_TOO_SHORT, ERR_MODEL,
   * ERR_MODEL_OUTPUT (an output of the wrong shape).
   */
  code: string;
  reason: string;
}

/** A record numbered by its position in the source. */
export interface IndexedRecord {
  index: number;
  record: InputRecord;
}

/** A decoded, checked and (if the model asks) normalised record, or its error. */
export interface PreparedRecord {
  index: number;
  record: InputRecord;
  samples?: Float32Array;
  originalSampleRate?: number;
  channels?: number;
  durationSec?: number;
  error?: ErrorRow;
}

/** Settings for `prepareRecord`. */
export interface PrepareOptions {
  decode: DecodeFn;
  /** The model's sampling rate. */
  targetRate: number;
  /** Zero-mean/unit-variance per utterance (the model's `do_normalize`). */
  normalize: boolean;
  /** Shortest accepted clip in samples: the model's receptive field (400 for wav2vec2). */
  minSamples: number;
  /** Passed to `decode`. Default: the decoder's own (4 h; truncated inputs are errors). */
  limits?: DecodeLimits;
  signal?: AbortSignal;
}

/** The path a record came from, for error rows and the output's `path` column. */
export function recordPath(record: InputRecord): string | null {
  return "path" in record.source && record.source.path !== undefined ? record.source.path : null;
}

function fail(
  item: IndexedRecord,
  stage: ErrorRow["stage"],
  code: string,
  reason: string,
): PreparedRecord {
  const { index, record } = item;
  return {
    index,
    record,
    error: { index, id: record.id, path: recordPath(record), stage, code, reason },
  };
}

/**
 * The pipeline's code for a decoder error. The decoder's own code (e.g. ERR_AUDIO_UNSUPPORTED)
 * is kept in the reason text.
 */
function decodeErrorCode(e: Error & { code?: string }): string {
  switch (e.code) {
    case "ENOENT":
    case "ERR_AUDIO_NOT_FOUND":
      return "ERR_MISSING";
    case "ERR_AUDIO_EMPTY":
      return "ERR_EMPTY";
    case "ERR_AUDIO_UNSUPPORTED":
      return "ERR_UNSUPPORTED_FORMAT";
    case "ERR_AUDIO_NONFINITE":
      return "ERR_NON_FINITE";
    case "ERR_AUDIO_SAMPLE_RATE":
      return "ERR_SAMPLE_RATE";
    case "ERR_AUDIO_TOO_LONG":
      return "ERR_TOO_LONG";
    case "ERR_AUDIO_TRUNCATED":
      return "ERR_TRUNCATED";
    default:
      return "ERR_DECODE";
  }
}

/** Decodes and checks one record. Never throws for a bad input: returns an error row instead. */
export async function prepareRecord(
  item: IndexedRecord,
  options: PrepareOptions,
): Promise<PreparedRecord> {
  const { record } = item;
  if (record.invalid) return fail(item, "source", record.invalid.code, record.invalid.reason);
  const src = "bytes" in record.source ? record.source.bytes : record.source.path;
  let decoded: Awaited<ReturnType<DecodeFn>>;
  try {
    decoded = await options.decode(src, {
      ...options.limits,
      targetRate: options.targetRate,
      signal: options.signal,
    });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (options.signal?.aborted) throw err;
    return fail(item, "decode", decodeErrorCode(e), e.code ? `${e.code}: ${e.message}` : e.message);
  }
  const x = decoded.samples;
  if (x.length === 0) return fail(item, "validate", "ERR_EMPTY", "the file holds no audio samples");
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i] as number)) {
      return fail(item, "validate", "ERR_NON_FINITE", `sample ${i} is not finite (${x[i]})`);
    }
  }
  if (x.length < options.minSamples) {
    return fail(
      item,
      "validate",
      "ERR_TOO_SHORT",
      `${x.length} samples at ${options.targetRate} Hz is shorter than the model's receptive field (${options.minSamples})`,
    );
  }
  if (options.normalize) normalizeInPlace(x);
  return {
    index: item.index,
    record,
    samples: x,
    originalSampleRate: decoded.originalSampleRate,
    channels: decoded.channels,
    durationSec: decoded.durationSec,
  };
}

/**
 * The number of input samples the model's first frame sees: kernel₀ + Σᵢ (kernelᵢ − 1) · Πⱼ<ᵢ strideⱼ.
 * Defaults to wav2vec2's feature encoder (400 samples).
 */
export function receptiveField(convKernel?: number[], convStride?: number[]): number {
  if (!convKernel?.length || !convStride?.length) return 400;
  let field = convKernel[0] as number;
  let jump = 1;
  for (let i = 1; i < convKernel.length; i++) {
    jump *= convStride[i - 1] as number;
    field += ((convKernel[i] as number) - 1) * jump;
  }
  return field;
}

/** Samples per output frame: the product of the conv strides (320 for wav2vec2). */
export function frameStride(convStride?: number[]): number {
  return convStride?.length ? convStride.reduce((a, b) => a * b, 1) : 320;
}
