/** Per-utterance normalisation, as Hugging Face's Wav2Vec2FeatureExtractor does it. */

/**
 * Zero mean and unit variance over the first `validLength` samples:
 * `(x - mean) / sqrt(var + eps)`, with the population variance (numpy's `var`, ddof 0).
 * Samples past `validLength` (padding) are set to 0, the extractor's padding value.
 *
 * Models trained with `do_normalize: true` (most wav2vec2/conformer checkpoints) saw every
 * utterance scaled this way, so feeding raw samples shifts their inputs' statistics. The
 * statistics use only the valid samples, so padding a clip inside a batch cannot change its
 * normalised values; eps (1e-7) keeps digital silence finite. Means and variances are
 * accumulated in float64, so results agree with numpy's float32 path to ~1e-6.
 * Apply it only when the model's `info.doNormalize` is true.
 * @example
 * const x = normalizeUtterance(decoded.samples); // mean 0, variance ~1
 */
export function normalizeUtterance(
  samples: Float32Array,
  validLength: number = samples.length,
  eps = 1e-7,
): Float32Array {
  if (!(Number.isInteger(validLength) && validLength >= 0 && validLength <= samples.length)) {
    throw new RangeError(`validLength must be an integer in [0, ${samples.length}]`);
  }
  const out = new Float32Array(samples.length);
  if (validLength === 0) return out;
  let sum = 0;
  for (let i = 0; i < validLength; i++) sum += samples[i] as number;
  const mean = sum / validLength;
  let squares = 0;
  for (let i = 0; i < validLength; i++) {
    const d = (samples[i] as number) - mean;
    squares += d * d;
  }
  const scale = 1 / Math.sqrt(squares / validLength + eps);
  for (let i = 0; i < validLength; i++) out[i] = ((samples[i] as number) - mean) * scale;
  return out;
}
