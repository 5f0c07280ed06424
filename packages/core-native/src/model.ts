/**
 * `loadModel` and `Model`: an exported Wav2Vec2-Conformer TorchScript file, run by LibTorch
 * off the main thread.
 */
import { resolve as resolvePath } from "node:path";
import { onAbort as subscribeAbort } from "./abort_hub.js";
import { type NativeForwardResult, type NativeModel, native } from "./binding.js";
import { CallQueue } from "./call_queue.js";
import { type DeviceRequest, resolveDevice } from "./devices.js";
import {
  callSite,
  DisposedError,
  fromNative,
  InputShapeError,
  InvalidArgumentError,
  ModelLoadError,
} from "./errors.js";
import { frameCount, type ModelInfo, parseModelInfo } from "./model_info.js";
import type { Tensor } from "./tensor.js";
import { ensureThreads } from "./threads.js";

/**
 * Precision of weights and compute. float16 needs a CUDA device. "qint8" is a file exported
 * with `tools/export --dtype qint8` (int8 weights of the encoder's Linear layers, activations
 * quantised per call, CPU only); it cannot be made from a float file at load time.
 */
export type ModelDType = "float32" | "float16" | "bfloat16" | "qint8";

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /** Where to run. Default "auto" (cuda:0 when usable, else cpu; the CPU for dtype "qint8"). */
  device?: DeviceRequest;
  /**
   * Weights are converted to this dtype at load time and inputs per call; pooling runs in
   * float32 and every output is float32. Default "float32". A qint8 file runs as qint8 with
   * "float32" or "qint8", on the CPU only (other dtypes and CUDA: ERR_DTYPE_UNSUPPORTED);
   * "qint8" with a float file is refused the same way.
   */
  dtype?: ModelDType;
  /**
   * Intra-op threads of this model's forward calls. Default 0: the process setting
   * (`setThreads`, which defaults to OMP_NUM_THREADS or `os.availableParallelism()`).
   */
  threads?: number;
  /**
   * Run one small forward at load time and check its outputs against the metadata: widths,
   * hidden-state count, frame count, labels, and that every value is finite. A file whose
   * metadata lies, or whose weights give NaN, is then refused here (ERR_MODEL_SIGNATURE /
   * ERR_MODEL_INVALID) rather than writing scrambled rows. The call also warms the model up.
   * Default true.
   */
  verify?: boolean;
}

/** A batch of clips, row-major [batch, length], each zero-padded after its own length. */
export interface ForwardInput {
  /**
   * batch*length samples at `info.samplingRate`, already normalised when `info.doNormalize`.
   * Copied before `forward()` returns, so the caller may overwrite or reuse it at once.
   */
  audio: Float32Array;
  batch: number;
  length: number;
  /** Valid samples per clip, each in [info.minSamples, length]. Default: all `length`. */
  lengths?: ArrayLike<number> | BigInt64Array;
}

/** Which outputs `forward` returns. */
export type ForwardOutput = "pooled" | "hidden" | "logits";

/**
 * Pooling over each clip's valid frames: "mean"; "meanstd" (mean and population standard
 * deviation concatenated, 2H wide); "max".
 */
export type PoolMode = "mean" | "meanstd" | "max";

/** Options of `Model.forward`. */
export interface ForwardOptions {
  /** Outputs to compute and copy back. Default ["pooled"]. */
  outputs?: ForwardOutput[];
  /**
   * Hidden states to return or pool, Hugging Face indexing: 0 = encoder input, i = output of
   * layer i, negative counts from the end (-1 = final output). Default [-1].
   */
  layers?: number[];
  /** Pooling of `pooled`. Default "mean". */
  pool?: PoolMode;
  /**
   * Rejects with the signal's reason if it aborts before the call starts running on the
   * model's thread (a call that has started completes). Default none.
   */
  signal?: AbortSignal;
}

/** Where a call's time went on the model's own thread. */
export interface ForwardTiming {
  /**
   * Milliseconds the call ran on the model's thread: inputs to the device, the forward pass,
   * pooling, and the outputs copied back (on a GPU this waits for the device, so it is the
   * device's time on the call).
   */
  runMs: number;
  /**
   * Milliseconds the model's thread sat idle between the end of its previous call and the
   * start of this one; null for the model's first call (the check forward of `loadModel`,
   * unless it ran with `verify: false`). Near zero when the caller keeps the
   * model fed (two calls in flight); otherwise the host-side gap between batches.
   */
  idleBeforeMs: number | null;
}

/** Outputs of `forward`; every tensor is float32. */
export interface ForwardResult {
  /** [layers.length, batch, D], D = hiddenSize (2*hiddenSize for "meanstd"). */
  pooled?: Tensor;
  /** [layers.length, batch, frames, hiddenSize]; frames past frameLengths[i] are padding. */
  hidden?: Tensor;
  /** [batch, labels.length]; only when asked for and the model has a head. */
  logits?: Tensor;
  /** Valid frames per clip. */
  frameLengths: Int32Array;
  timing: ForwardTiming;
}

const outputNames: readonly ForwardOutput[] = ["pooled", "hidden", "logits"];
const poolModes: readonly PoolMode[] = ["mean", "meanstd", "max"];
const dtypes: readonly ModelDType[] = ["float32", "float16", "bfloat16", "qint8"];

/** A loaded model. Create it with `loadModel`. */
export class Model implements AsyncDisposable {
  /** The file's metadata (audiomap.json), camelCased. */
  readonly info: ModelInfo;
  /** Absolute path of the file. */
  readonly path: string;
  readonly #native: NativeModel;
  // Two calls in flight natively: the running one and the next, staged (see call_queue.ts).
  readonly #queue = new CallQueue(2);

  /** @internal Use `loadModel`. */
  constructor(nativeModel: NativeModel, info: ModelInfo, path: string) {
    this.#native = nativeModel;
    this.info = info;
    this.path = path;
  }

  /** The resolved device: "cpu" or "cuda:N". */
  get device(): string {
    return this.#native.device;
  }

  /** The dtype it runs in: the load option's, or "qint8" for a quantised file. */
  get dtype(): ModelDType {
    return this.#native.dtype;
  }

  /** The quantised CPU engine a qint8 model runs on ("onednn", "x86", ...), else null. */
  get quantizedEngine(): string | null {
    return this.#native.quantizedEngine;
  }

  /** Bytes of parameters and buffers. */
  get parameterBytes(): number {
    return this.#native.parameterBytes;
  }

  /** True after `dispose()`. */
  get disposed(): boolean {
    return this.#native.disposed;
  }

  /**
   * Runs the model on a batch. Calls on one model run one after another, in call order.
   * @throws InputShapeError, InvalidArgumentError, DisposedError, OutOfMemoryError,
   *   DTypeError, NativeError (as a rejected promise, never synchronously).
   * @example
   * const { pooled } = await model.forward({ audio, batch: 2, length: 16000 });
   * row(pooled!, 0, 1); // clip 1's embedding from the last layer
   */
  forward(input: ForwardInput, options: ForwardOptions = {}): Promise<ForwardResult> {
    const signal = options.signal;
    // A call handed to the addon now copies the samples before it returns; one that waits here
    // takes its copy now, so the caller may reuse its arrays either way.
    if (this.#queue.full) input = snapshot(input);
    // The start gate lets an abort drop a call that the model's thread has not begun.
    const gate = signal ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    const call = this.#queue.run(() => {
      if (this.disposed) {
        throw new DisposedError("ERR_MODEL_DISPOSED", "the model is disposed; load it again");
      }
      const nativeOptions = this.#nativeOptions(input, options);
      return this.#native.forward(input, gate ? { ...nativeOptions, gate } : nativeOptions);
    }, signal);
    return settle(signal && gate ? abortable(call, gate, signal) : call);
  }

  /**
   * Frees the model's memory now. Idempotent. A call already running finishes normally;
   * calls still queued reject with DisposedError.
   */
  dispose(): void {
    this.#native.dispose();
  }

  /** Waits for queued calls to settle, then disposes (`await using model = ...`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#queue.drain();
    this.dispose();
  }

  #nativeOptions(input: ForwardInput, options: ForwardOptions) {
    const outputs = options.outputs ?? ["pooled"];
    const layers = options.layers ?? [-1];
    const pool = options.pool ?? "mean";
    if (!Array.isArray(outputs) || outputs.some((o) => !outputNames.includes(o))) {
      throw new InvalidArgumentError(
        "ERR_INVALID_ARG_TYPE",
        `options.outputs must list some of ${outputNames.join(", ")}; got ${JSON.stringify(outputs)}`,
      );
    }
    if (!poolModes.includes(pool)) {
      throw new InvalidArgumentError(
        "ERR_INVALID_ARG_TYPE",
        `options.pool must be one of ${poolModes.join(", ")}; got ${JSON.stringify(pool)}`,
      );
    }
    const n = this.info.numHiddenStates;
    if (!Array.isArray(layers) || layers.length === 0) {
      throw new InvalidArgumentError("ERR_INVALID_ARG_TYPE", "options.layers must be non-empty");
    }
    layers.forEach((layer, i) => {
      if (!Number.isInteger(layer) || layer < -n || layer >= n) {
        throw new InputShapeError(
          "ERR_INPUT_SHAPE",
          `options.layers[${i}]=${layer} is out of range [${-n}, ${n - 1}] for a model with ` +
            `${n} hidden states`,
        );
      }
    });
    this.#checkMinimumLength(input);
    return {
      layers,
      pool,
      pooled: outputs.includes("pooled"),
      hidden: outputs.includes("hidden"),
      logits: outputs.includes("logits"),
    };
  }

  // Clips shorter than the feature encoder's receptive field yield no frame at all.
  #checkMinimumLength(input: ForwardInput): void {
    const min = this.info.minSamples;
    const lengths = input?.lengths ?? [input?.length];
    for (let i = 0; i < lengths.length; i++) {
      const value = Number(lengths[i]);
      if (Number.isFinite(value) && value >= 1 && value < min) {
        const what = input.lengths ? `input.lengths[${i}]` : "input.length";
        throw new InputShapeError(
          "ERR_INPUT_SHAPE",
          `${what}=${value} is shorter than the model's receptive field (${min} samples)`,
        );
      }
    }
  }
}

// Start-gate states, shared with forward_worker.h (kGateQueued, kGateAborted).
const GATE_QUEUED = 0;
const GATE_ABORTED = 2;

function snapshot(input: ForwardInput): ForwardInput {
  const copy = { ...input };
  if (ArrayBuffer.isView(input?.audio)) copy.audio = input.audio.slice();
  const lengths = input?.lengths as { slice?: () => ForwardInput["lengths"] } | undefined;
  if (typeof lengths?.slice === "function") copy.lengths = lengths.slice();
  return copy;
}

/**
 * Awaits a forward call inside an async function, so that an error wrapped here carries V8's
 * async stack trace: the frames of the caller's code that awaits it, captured only on failure.
 * (Capturing the caller's stack up front cost 17-34 us per call, about 1% of a tiny batch-1
 * forward; see docs/benchmarks.md.)
 */
async function settle(call: Promise<NativeForwardResult>): Promise<ForwardResult> {
  try {
    return toResult(await call);
  } catch (error) {
    throw fromNative(error);
  }
}

/** `call`, or the signal's reason as soon as it aborts, if the call has not started by then. */
function abortable<T>(call: Promise<T>, gate: Int32Array, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      if (Atomics.compareExchange(gate, 0, GATE_QUEUED, GATE_ABORTED) === GATE_QUEUED) {
        reject(signal.reason);
      }
    };
    const unsubscribe = subscribeAbort(signal, onAbort);
    call.then(resolve, reject).finally(unsubscribe);
  });
}

function toResult(result: NativeForwardResult): ForwardResult {
  const out: ForwardResult = { frameLengths: result.frameLengths, timing: result.timing };
  if (result.pooled) out.pooled = result.pooled;
  if (result.hidden) out.hidden = result.hidden;
  if (result.logits) out.logits = result.logits;
  return out;
}

/**
 * Loads an exported model (tools/export) off the main thread.
 * @throws ModelLoadError (ERR_MODEL_NOT_FOUND | ERR_MODEL_INVALID | ERR_MODEL_SIGNATURE),
 *   DeviceError, DTypeError, OutOfMemoryError.
 * @example
 * await using model = await loadModel("fixtures/tiny.pt", { device: "cpu" });
 * console.log(model.info.hiddenSize, model.info.labels);
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  const site = callSite(loadModel);
  const dtype = options.dtype ?? "float32";
  const threads = options.threads ?? 0;
  if (typeof path !== "string" || path.length === 0) {
    throw new InvalidArgumentError(
      "ERR_INVALID_ARG_TYPE",
      "loadModel(path): path must be a string",
    );
  }
  if (!dtypes.includes(dtype)) {
    throw new InvalidArgumentError(
      "ERR_INVALID_ARG_TYPE",
      `options.dtype must be one of ${dtypes.join(", ")}; got ${JSON.stringify(dtype)}`,
    );
  }
  if (!Number.isInteger(threads) || threads < 0) {
    throw new InvalidArgumentError(
      "ERR_INVALID_ARG_TYPE",
      `options.threads must be a non-negative integer; got ${threads}`,
    );
  }
  // A qint8 model runs on the CPU only, so "auto" means the CPU for it.
  const device = resolveDevice(options.device ?? (dtype === "qint8" ? "cpu" : "auto"));
  ensureThreads();
  const absolute = resolvePath(path);
  let nativeModel: NativeModel;
  try {
    nativeModel = await native().Model.load(absolute, { device, dtype, threads });
  } catch (error) {
    throw fromNative(error, site);
  }
  let model: Model;
  try {
    model = new Model(nativeModel, parseModelInfo(nativeModel.metadata, absolute), absolute);
  } catch (error) {
    nativeModel.dispose();
    throw error;
  }
  if (options.verify === false) return model;
  try {
    await verifyOutputs(model);
  } catch (error) {
    model.dispose();
    if (error instanceof Error) error.stack = `${error.name}: ${error.message}${site.stack ?? ""}`;
    throw error;
  }
  return model;
}

/**
 * One forward on a short deterministic clip (two receptive fields long), with the first and
 * last hidden states and every output, checked against what the metadata promises.
 */
async function verifyOutputs(model: Model): Promise<void> {
  const info = model.info;
  const length = 2 * info.minSamples;
  const audio = new Float32Array(length);
  for (let i = 0; i < length; i++) audio[i] = 0.1 * Math.sin((2 * Math.PI * 440 * i) / 16000);
  const layers = [0, info.numHiddenStates - 1];
  const outputs: ForwardOutput[] = info.hasHead
    ? ["pooled", "hidden", "logits"]
    : ["pooled", "hidden"];
  const lie = (what: string) =>
    new ModelLoadError(
      "ERR_MODEL_SIGNATURE",
      `${model.path}: the metadata does not match the model's outputs: ${what}`,
    );
  let result: ForwardResult;
  try {
    result = await model.forward({ audio, batch: 1, length }, { outputs, layers });
  } catch (error) {
    // Out of memory or a device failure is about the machine, not the file: keep it as it is.
    const code = (error as { code?: string }).code;
    if (
      code === "ERR_OUT_OF_MEMORY" ||
      code === "ERR_DEVICE_UNAVAILABLE" ||
      code === "ERR_DTYPE_UNSUPPORTED"
    )
      throw error;
    throw lie(
      `a forward of ${length} samples with hidden states ${layers.join(" and ")} failed: ${(error as Error).message}`,
    );
  }
  const frames = frameCount(length, info.convKernel, info.convStride);
  const hidden = result.hidden?.shape ?? [];
  if (hidden[3] !== info.hiddenSize)
    throw lie(`hidden_size is ${info.hiddenSize} but the hidden states are ${hidden[3]} wide`);
  if (result.pooled?.shape[2] !== info.hiddenSize)
    throw lie(
      `hidden_size is ${info.hiddenSize} but pooled rows are ${result.pooled?.shape[2]} wide`,
    );
  if (result.frameLengths[0] !== frames)
    throw lie(
      `conv_kernel/conv_stride give ${frames} frames for ${length} samples; the model gave ${result.frameLengths[0]}`,
    );
  if (info.hasHead && result.logits?.shape[1] !== info.labels?.length)
    throw lie(
      `${info.labels?.length} labels, but the head scores ${result.logits?.shape[1]} classes`,
    );
  for (const [name, tensor] of Object.entries({
    pooled: result.pooled,
    hidden: result.hidden,
    logits: result.logits,
  }))
    if (tensor && !tensor.data.every(Number.isFinite))
      throw new ModelLoadError(
        "ERR_MODEL_INVALID",
        `${model.path}: the model's ${name} output on a test clip is not finite (NaN or infinity): its weights are broken`,
      );
}
