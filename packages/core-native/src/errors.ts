/**
 * Errors of the model runtime. Every error has a stable `code`; native failures are wrapped
 * in the matching subclass with the native message, while the stack points at the caller's
 * `loadModel`/`forward` line rather than at the addon's internals.
 */

/** Stable error codes of `loadModel`, `forward` and the device functions. */
export type AudiomapErrorCode =
  | "ERR_MODEL_NOT_FOUND"
  | "ERR_MODEL_INVALID"
  | "ERR_MODEL_SIGNATURE"
  | "ERR_INPUT_SHAPE"
  | "ERR_INVALID_ARG_TYPE"
  | "ERR_DEVICE_UNAVAILABLE"
  | "ERR_DTYPE_UNSUPPORTED"
  | "ERR_OUT_OF_MEMORY"
  | "ERR_MODEL_DISPOSED"
  | "ERR_NATIVE"
  | "ERR_NATIVE_LOAD";

/** Base class of every audiomap error; `code` never changes between releases. */
export class AudiomapError extends Error {
  readonly code: AudiomapErrorCode;
  constructor(code: AudiomapErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The model file is missing (ERR_MODEL_NOT_FOUND), not TorchScript or truncated
 * (ERR_MODEL_INVALID), or lacks the audiomap forward signature/metadata (ERR_MODEL_SIGNATURE). */
export class ModelLoadError extends AudiomapError {}

/** Input sizes disagree (ERR_INPUT_SHAPE); the message names the offending field or index. */
export class InputShapeError extends AudiomapError {}

/** An argument has the wrong type or an unknown value (ERR_INVALID_ARG_TYPE). */
export class InvalidArgumentError extends AudiomapError {}

/** The device is unknown, not compiled in, or not visible (ERR_DEVICE_UNAVAILABLE). */
export class DeviceError extends AudiomapError {}

/** The dtype cannot run on this device (ERR_DTYPE_UNSUPPORTED), e.g. float16 on CPU. */
export class DTypeError extends AudiomapError {}

/** The device (or host) ran out of memory (ERR_OUT_OF_MEMORY); a smaller batch may fit. */
export class OutOfMemoryError extends AudiomapError {}

/** The model was disposed before the call started (ERR_MODEL_DISPOSED). */
export class DisposedError extends AudiomapError {}

/** Any other failure inside LibTorch (ERR_NATIVE), with LibTorch's message. */
export class NativeError extends AudiomapError {}

const classes: Record<AudiomapErrorCode, typeof AudiomapError> = {
  ERR_MODEL_NOT_FOUND: ModelLoadError,
  ERR_MODEL_INVALID: ModelLoadError,
  ERR_MODEL_SIGNATURE: ModelLoadError,
  ERR_INPUT_SHAPE: InputShapeError,
  ERR_INVALID_ARG_TYPE: InvalidArgumentError,
  ERR_DEVICE_UNAVAILABLE: DeviceError,
  ERR_DTYPE_UNSUPPORTED: DTypeError,
  ERR_OUT_OF_MEMORY: OutOfMemoryError,
  ERR_MODEL_DISPOSED: DisposedError,
  ERR_NATIVE: NativeError,
  ERR_NATIVE_LOAD: NativeError,
};

/** A stack captured where the user called in, to be given to the error thrown later. */
export interface CallSite {
  stack?: string;
}

/** Captures the caller's stack, skipping `fn` and everything above it. */
export function callSite(fn: (...args: never[]) => unknown): CallSite {
  const site: CallSite = {};
  Error.captureStackTrace(site, fn);
  return site;
}

/**
 * Wraps an error from the addon (which carries `code` and the native message) in the
 * matching AudiomapError subclass, with the stack of `site` (without one: the stack where it is
 * called, which in an async function includes the frames awaiting it). Errors that are already
 * AudiomapErrors, and errors without a known code (an AbortSignal's reason, say), pass
 * through unchanged.
 */
export function fromNative(error: unknown, site?: CallSite): unknown {
  if (error instanceof AudiomapError || !(error instanceof Error)) return error;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code !== "string" || !(code in classes)) return error;
  const Class = classes[code as AudiomapErrorCode];
  const wrapped = new Class(code as AudiomapErrorCode, error.message, { cause: error });
  if (!site) {
    // The stack from the caller of fromNative on, with the async frames awaiting it.
    Error.captureStackTrace(wrapped, fromNative);
    return wrapped;
  }
  const frames = site.stack?.split("\n").slice(1).join("\n");
  if (frames) wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${frames}`;
  return wrapped;
}
