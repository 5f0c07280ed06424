/**
 * Baseline features behind the pipeline's model interface, so `runEmbedding` (and `audiomap
 * embed --features mfcc`) writes them with the same batching, windows and output formats as a
 * neural model: one "layer", pooled = [mean, std] of the frame features.
 */
import type {
  EmbeddingModel,
  ForwardInput,
  ForwardOptions,
  ForwardOutput,
  ModelInfoView,
} from "../pipeline/types.js";
import { computeFeatures, type FeatureOptions } from "./compute.js";

/** Options for `featureModel`: the feature options plus the rate clips are resampled to. */
export interface FeatureModelOptions extends FeatureOptions {
  /** Sampling rate the pipeline decodes to. Default 16000. */
  sampleRate?: number;
}

/**
 * An `EmbeddingModel` computing `computeFeatures(...).vector` per clip (2 x nMfcc or 2 x nMels
 * values). Only pooled outputs exist; `pool` is ignored (the vector is always mean then std)
 * and every requested layer gets the same vector.
 * @example
 * await runEmbedding(featureModel({ kind: "mfcc" }), await openDataset("clips/"), { decode: decodeAudio, output: "mfcc.parquet" });
 */
export function featureModel(options: FeatureModelOptions): EmbeddingModel & {
  info: ModelInfoView & { features: FeatureOptions };
} {
  const sampleRate = options.sampleRate ?? 16000;
  const nFft = options.nFft ?? 400;
  const coefficients = options.kind === "mfcc" ? (options.nMfcc ?? 20) : (options.nMels ?? 64);
  const hop = options.hopLength ?? 160;
  return {
    info: {
      samplingRate: sampleRate,
      doNormalize: false,
      hiddenSize: 2 * coefficients,
      numHiddenStates: 1,
      labels: null,
      hasHead: false,
      // Reflect padding needs more than nFft/2 samples.
      minSamples: Math.floor(nFft / 2) + 1,
      features: { ...options },
    },
    async forward(input: ForwardInput, forward: ForwardOptions): Promise<ForwardOutput> {
      if (forward.outputs.some((o) => o !== "pooled")) {
        throw new Error("feature models only produce pooled outputs");
      }
      const { batch, length, lengths, audio } = input;
      const dim = 2 * coefficients;
      const layers = Math.max(1, forward.layers.length);
      const data = new Float32Array(layers * batch * dim);
      const frameLengths = new Int32Array(batch);
      for (let b = 0; b < batch; b++) {
        const valid = lengths[b] as number;
        const clip = audio.subarray(b * length, b * length + valid);
        const features = computeFeatures(clip, sampleRate, options);
        frameLengths[b] = 1 + Math.floor(valid / hop);
        for (let l = 0; l < layers; l++) data.set(features.vector, (l * batch + b) * dim);
      }
      return { pooled: { shape: [layers, batch, dim], data }, frameLengths };
    },
  };
}
