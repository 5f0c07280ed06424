/**
 * The metadata stored inside an exported model (`audiomap.json`, written by tools/export),
 * checked and camelCased. `config` stays as Hugging Face spells it.
 */
import { ModelLoadError } from "./errors.js";

/** What the model file says about itself. */
export interface ModelInfo {
  /** Always "audiomap-torchscript". */
  format: string;
  /** Metadata version; this runtime reads version 1. */
  formatVersion: number;
  /** "wav2vec2-conformer". */
  architecture: string;
  /** Rate the audio must be resampled to before forward (16000). */
  samplingRate: number;
  /**
   * Whether the caller must normalise each clip to zero mean and unit variance over its
   * valid samples (eps 1e-7) before forward; the module does not do it itself.
   */
  doNormalize: boolean;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** Hidden states the model can return: numHiddenLayers + 1 (0 = encoder input). */
  numHiddenStates: number;
  positionEmbeddingsType: string;
  featExtractNorm: string;
  /** Feature-encoder kernels and strides, for frame-count arithmetic. */
  convKernel: number[];
  convStride: number[];
  /** Class index ("0", "1", ...) to label, or null without a head. */
  id2label: Record<string, string> | null;
  /** Labels in class order, or null without a head. */
  labels: string[] | null;
  hasHead: boolean;
  /** "masked": padding never changes a clip's result; "hf": Hugging Face's behaviour. */
  paddingMode: string;
  /** Where the weights came from (checkpoint path or "random-init"). */
  source: string;
  /** Torch version that exported the file. */
  torchVersion: string;
  /** Weight dtype of the export ("float32", "bfloat16", "qint8", ...); absent in old files. */
  dtype?: string;
  /**
   * How a qint8 export was quantised (tools/export quantize.py), as written there:
   * `{ scheme: "dynamic", weight_dtype: "qint8", modules, scope, export_engine, ... }`;
   * absent for float exports.
   */
  quantization?: Record<string, unknown>;
  /** The full Hugging Face config. */
  config: Record<string, unknown>;
  /** Fewest samples that yield one frame (the feature encoder's receptive field). */
  minSamples: number;
}

/** Sampling rates a model may declare, in Hz. */
export const MIN_SAMPLING_RATE = 1000;
export const MAX_SAMPLING_RATE = 384_000;

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

type Kind = "string" | "number" | "boolean" | "numbers" | "object";
const required: Record<string, Kind> = {
  format: "string",
  format_version: "number",
  architecture: "string",
  sampling_rate: "number",
  do_normalize: "boolean",
  hidden_size: "number",
  num_hidden_layers: "number",
  num_hidden_states: "number",
  conv_kernel: "numbers",
  conv_stride: "numbers",
  has_head: "boolean",
};

function hasKind(value: unknown, kind: Kind): boolean {
  if (kind === "numbers") {
    return Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v));
  }
  if (kind === "object") return typeof value === "object" && value !== null;
  return typeof value === kind;
}

/** Frames a stack of convolutions makes of `samples` (0 when shorter than its receptive field). */
export function frameCount(samples: number, kernels: number[], strides: number[]): number {
  let n = samples;
  kernels.forEach((k, i) => {
    n = n < k ? 0 : Math.floor((n - k) / (strides[i] ?? 1)) + 1;
  });
  return n;
}

/** Receptive field of a stack of convolutions: 1 + sum_i (k_i - 1) * prod_{j<i} s_j. */
export function receptiveField(kernels: number[], strides: number[]): number {
  let field = 1;
  let jump = 1;
  kernels.forEach((k, i) => {
    field += (k - 1) * jump;
    jump *= strides[i] ?? 1;
  });
  return field;
}

/**
 * Parses and checks `audiomap.json`.
 * @throws ModelLoadError (ERR_MODEL_SIGNATURE) when it is not valid JSON, is another format
 *   or version, or lacks a required key.
 */
export function parseModelInfo(json: string, path: string): ModelInfo {
  const fail = (why: string) =>
    new ModelLoadError("ERR_MODEL_SIGNATURE", `${path}: invalid audiomap.json metadata: ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw fail((error as Error).message);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw fail("not an object");
  const meta = raw as Record<string, unknown>;
  if (meta.format !== "audiomap-torchscript") {
    throw fail(`format is ${JSON.stringify(meta.format)}, expected "audiomap-torchscript"`);
  }
  if (meta.format_version !== 1) {
    throw fail(`format_version ${JSON.stringify(meta.format_version)} is not supported (1)`);
  }
  for (const [key, kind] of Object.entries(required)) {
    if (!hasKind(meta[key], kind)) throw fail(`"${key}" is missing or not a ${kind}`);
  }
  // Values a runtime computes with: a rate of 0 or a negative width would surface later as a
  // RangeError or a hang, far from the file that caused it.
  const rate = meta.sampling_rate as number;
  if (!Number.isInteger(rate) || rate < MIN_SAMPLING_RATE || rate > MAX_SAMPLING_RATE)
    throw fail(
      `sampling_rate ${rate} is not a whole number of Hz in [${MIN_SAMPLING_RATE}, ${MAX_SAMPLING_RATE}]`,
    );
  for (const key of ["hidden_size", "num_hidden_layers", "num_hidden_states"]) {
    const v = meta[key] as number;
    if (!Number.isInteger(v) || v < (key === "num_hidden_layers" ? 0 : 1))
      throw fail(`${key} ${v} is not a positive whole number`);
  }
  if (meta.num_hidden_states !== (meta.num_hidden_layers as number) + 1)
    throw fail(
      `num_hidden_states ${meta.num_hidden_states} is not num_hidden_layers + 1 (${(meta.num_hidden_layers as number) + 1})`,
    );
  if (
    (meta.conv_kernel as number[]).some((k) => k < 1) ||
    (meta.conv_stride as number[]).some((k) => k < 1)
  )
    throw fail("conv_kernel and conv_stride must be positive");
  if (meta.has_head) {
    const labels = meta.labels;
    if (!Array.isArray(labels) || labels.length === 0 || labels.some((l) => typeof l !== "string"))
      throw fail("has_head is true but labels is not a non-empty list of strings");
  }
  const info: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) info[camel(key)] = value;
  info.config ??= {};
  info.id2label ??= null;
  info.labels ??= null;
  const kernels = meta.conv_kernel as number[];
  const strides = meta.conv_stride as number[];
  if (kernels.length !== strides.length) throw fail("conv_kernel and conv_stride differ in length");
  info.minSamples = receptiveField(kernels, strides);
  return info as unknown as ModelInfo;
}
