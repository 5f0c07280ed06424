/**
 * The narrow views of the model runtime and the audio decoder that the pipeline needs. The real
 * implementations live in @audiomap/core-native (`loadModel`) and ../audio (`decodeAudio`); tests
 * pass small fakes that satisfy the same shapes.
 */
import type { DecodeLimits } from "../audio/decode.js";

/** A dense row-major float tensor as the model runtime returns it. */
export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

/** Pooling over valid frames, done inside the model runtime. */
export type PoolMode = "mean" | "meanstd" | "max";

/** The subset of the exported model's metadata (audiomap.json) that the pipeline reads. */
export interface ModelInfoView {
  samplingRate: number;
  doNormalize: boolean;
  hiddenSize: number;
  numHiddenStates: number;
  labels?: string[] | null;
  hasHead?: boolean;
  convKernel?: number[];
  convStride?: number[];
  /** Shortest accepted input in samples (the receptive field); computed from the convs if absent. */
  minSamples?: number;
}

/** Inputs of one forward call: `batch` clips of `length` samples, zero padded after `lengths[i]`. */
export interface ForwardInput {
  audio: Float32Array;
  batch: number;
  length: number;
  lengths: Int32Array;
}

/** What one forward call should compute. */
export interface ForwardOptions {
  outputs: ("pooled" | "hidden" | "logits")[];
  layers: number[];
  pool?: PoolMode;
}

/** Outputs of one forward call (see the core-native contract). */
export interface ForwardOutput {
  /** [nLayers, B, D]; D = H, or 2H for meanstd. */
  pooled?: FloatTensor;
  /** [nLayers, B, F, H]. */
  hidden?: FloatTensor;
  /** [B, C]. */
  logits?: FloatTensor;
  frameLengths: Int32Array | ArrayLike<number>;
  /** The call on the model's own thread (core-native's ForwardTiming), when the model reports it. */
  timing?: { runMs: number; idleBeforeMs: number | null };
}

/** A loaded model, as far as the pipeline is concerned. */
export interface EmbeddingModel {
  info: ModelInfoView;
  /** "cpu" or "cuda:N" (core-native's `Model.device`); absent counts as "cpu". */
  device?: string;
  forward(input: ForwardInput, options: ForwardOptions): Promise<ForwardOutput>;
}

/** Decoded mono audio at the requested rate. */
export interface DecodedClip {
  samples: Float32Array;
  sampleRate: number;
  originalSampleRate: number;
  channels: number;
  durationSec: number;
}

/** Where a record's audio comes from: a file, or bytes (with the path they came from). */
export type InputSource = { path: string } | { bytes: Uint8Array; path?: string };

/** Decodes a source to mono at `targetRate`, under the caller's limits (see `DecodeLimits`). */
export type DecodeFn = (
  source: string | Uint8Array,
  options: { targetRate: number; signal?: AbortSignal } & DecodeLimits,
) => Promise<DecodedClip>;

/** One input item, as dataset sources yield it. */
export interface InputRecord {
  id: string;
  source: InputSource;
  label?: string | null;
  metadata?: Record<string, unknown>;
  /** The source could not read this record; it becomes an error row (stage "source"). */
  invalid?: { code: string; reason: string };
}
