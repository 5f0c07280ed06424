/**
 * Analytic FLOP count of a Wav2Vec2-Conformer forward pass, from its HF config dict.
 *
 * Method (written down in docs/flops.md): only multiply-accumulates of matrix products and
 * convolutions are counted, at 2 FLOPs per MAC, the convention MFU figures use. Norms,
 * activations, softmax, masking, bias adds and the sinusoid table are left out (they are a few
 * per cent of the total and run on vector units, not tensor cores). Every count follows the
 * computation HF's `Wav2Vec2ConformerForSequenceClassification` performs for a batch of
 * equal-length clips with no padding:
 *
 * - feature encoder: conv i has `frames_i · out_i · in_i · kernel_i` MACs (in_0 = 1);
 * - feature projection: `F · conv_dim[-1] · H`;
 * - per layer: two FFNs `2 · 2 · F · H · I`; q, k, v, out projections `4 · F · H²`; scores
 *   `QKᵀ` and `A·V` each `F² · H`; relative positions add `linear_pos` over the `2F−1` row
 *   sinusoid table, `(2F−1) · H²` once per batch (the table is shared by the batch), and the
 *   position scores `F · (2F−1) · H` per clip; the conv module has pointwise 1 `F · H · 2H`,
 *   depthwise `F · H · K` and pointwise 2 `F · H²`;
 * - head (when present): projector per frame `F · H · P`, classifier `P · C` per clip.
 *
 * F is the frame count of HF's `_get_feat_extract_output_lengths`.
 */

/** The HF config keys this module reads; missing keys take HF's Wav2Vec2ConformerConfig defaults. */
export interface ConformerConfig {
  hidden_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  intermediate_size?: number;
  conv_dim?: number[];
  conv_kernel?: number[];
  conv_stride?: number[];
  position_embeddings_type?: "relative" | "rotary" | null;
  conv_depthwise_kernel_size?: number;
  classifier_proj_size?: number;
  num_labels?: number;
  id2label?: Record<string, string> | null;
  [key: string]: unknown;
}

const DEFAULTS = {
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  conv_dim: [512, 512, 512, 512, 512, 512, 512],
  conv_kernel: [10, 3, 3, 3, 3, 2, 2],
  conv_stride: [5, 2, 2, 2, 2, 2, 2],
  position_embeddings_type: "relative" as "relative" | "rotary" | null,
  conv_depthwise_kernel_size: 31,
  classifier_proj_size: 256,
  num_labels: 2,
};

/** Options of {@link modelFlops}. */
export interface FlopOptions {
  /** Clips in the batch; all have `samples` valid samples. Default 1. */
  batch?: number;
  /** Samples per clip at the model's sampling rate. */
  samples: number;
  /** Count the classification head (projector + classifier). Default false. */
  head?: boolean;
}

/** FLOPs (2 per MAC) of one forward pass, by component. */
export interface FlopCount {
  /** Frames per clip after the feature encoder. */
  frames: number;
  /** FLOPs per component; keys are stable: featureEncoder, featureProjection, ffn, attnProj,
   * attnScores (QKᵀ + A·V), relPosProj, relPosScores, convModule, head. */
  components: Record<string, number>;
  /** Sum of `components`. */
  total: number;
}

/** Frames for `samples` valid samples: floor((n − k) / s) + 1 per conv, clamped at 0. */
export function frameCount(samples: number, kernel: number[], stride: number[]): number {
  let n = samples;
  kernel.forEach((k, i) => {
    n = Math.max(Math.floor((n - k) / (stride[i] ?? 1)) + 1, 0);
  });
  return n;
}

/**
 * FLOPs of one forward pass of a batch of equal-length clips. See the file comment for the
 * method.
 *
 * @example
 * const { total } = modelFlops(info.config, { batch: 8, samples: 16000 });
 */
export function modelFlops(config: ConformerConfig, options: FlopOptions): FlopCount {
  const c = { ...DEFAULTS, ...stripNullish(config) };
  const batch = options.batch ?? 1;
  const H = c.hidden_size;
  const I = c.intermediate_size;
  const L = c.num_hidden_layers;
  const P = c.classifier_proj_size;
  const C = config.id2label ? Object.keys(config.id2label).length : c.num_labels;
  const K = c.conv_depthwise_kernel_size;
  const pos =
    config.position_embeddings_type === undefined
      ? DEFAULTS.position_embeddings_type
      : config.position_embeddings_type;

  let n = options.samples;
  let inCh = 1;
  let encoder = 0;
  c.conv_dim.forEach((outCh, i) => {
    const k = c.conv_kernel[i] ?? 1;
    n = Math.max(Math.floor((n - k) / (c.conv_stride[i] ?? 1)) + 1, 0);
    encoder += n * outCh * inCh * k;
    inCh = outCh;
  });
  const F = n;
  const macs: Record<string, number> = {
    featureEncoder: batch * encoder,
    featureProjection: batch * F * inCh * H,
    ffn: L * batch * 4 * F * H * I,
    attnProj: L * batch * 4 * F * H * H,
    attnScores: L * batch * 2 * F * F * H,
    relPosProj: pos === "relative" && F > 0 ? L * (2 * F - 1) * H * H : 0,
    relPosScores: pos === "relative" && F > 0 ? L * batch * F * (2 * F - 1) * H : 0,
    convModule: L * batch * (F * H * 2 * H + F * H * K + F * H * H),
    head: options.head ? batch * (F * H * P + P * C) : 0,
  };
  const components: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of Object.entries(macs)) {
    components[k] = 2 * v;
    total += 2 * v;
  }
  return { frames: F, components, total };
}

function stripNullish(config: ConformerConfig): Partial<typeof DEFAULTS> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined && v !== null) out[k] = v;
  return out as Partial<typeof DEFAULTS>;
}
