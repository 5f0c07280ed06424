/**
 * Errors from decoding. Every failure carries a stable `code`, so a pipeline can write an
 * error row for the input instead of stopping.
 */
import { extname } from "node:path";
import type { AudioErrorCode } from "@audiomap/core-native";
import { UNDECODED_AUDIO_FORMATS } from "../datasets/files.js";

export type { AudioErrorCode };

/**
 * A decoding failure.
 * - `ERR_AUDIO_NOT_FOUND`: the path does not exist or is not a regular file.
 * - `ERR_AUDIO_UNSUPPORTED`: libsndfile does not recognise the format.
 * - `ERR_AUDIO_DECODE`: a malformed or truncated file (libsndfile's message is included).
 * - `ERR_AUDIO_EMPTY`: the input holds no audio frames.
 * - `ERR_AUDIO_NONFINITE`: a sample is NaN or ±Inf, in the file or after resampling (samples
 *   near the float limit, ±3.4e38, overflow the resampler).
 * - `ERR_AUDIO_RESAMPLE`: libsoxr rejected the rate pair.
 * - `ERR_AUDIO_SAMPLE_RATE`: the header's rate is outside [1000, 768000] Hz.
 * - `ERR_AUDIO_TOO_LONG`: the input is longer than `maxSeconds`.
 * - `ERR_AUDIO_TRUNCATED`: the input ends, or stops decoding, before the length its header
 *   states (unless `allowTruncated`).
 */
export class AudioError extends Error {
  readonly code: AudioErrorCode;
  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AudioError";
    this.code = code;
  }
}

const codes = new Set<string>([
  "ERR_AUDIO_NOT_FOUND",
  "ERR_AUDIO_UNSUPPORTED",
  "ERR_AUDIO_DECODE",
  "ERR_AUDIO_EMPTY",
  "ERR_AUDIO_NONFINITE",
  "ERR_AUDIO_RESAMPLE",
  "ERR_AUDIO_SAMPLE_RATE",
  "ERR_AUDIO_TOO_LONG",
  "ERR_AUDIO_TRUNCATED",
]);

/**
 * Re-raises a native rejection as an `AudioError` created here, so its stack shows the
 * JavaScript call site; the native error stays as `cause`. Other errors pass through.
 */
export function rethrowNative(err: unknown, name?: string): never {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === "string" && codes.has(code)) {
    throw new AudioError(code as AudioErrorCode, withFormatHint(code, err.message, name), {
      cause: err,
    });
  }
  throw err;
}

/** Names the format of a file libsndfile cannot read when its extension tells it. */
function withFormatHint(code: string, message: string, name?: string): string {
  const ext = name ? extname(name).toLowerCase() : "";
  const format = UNDECODED_AUDIO_FORMATS[ext];
  if (code !== "ERR_AUDIO_UNSUPPORTED" || !format) return message;
  return `${ext} (${format}) is not a format libsndfile decodes; convert it first, e.g. \`ffmpeg -i in${ext} out.flac\` (${message})`;
}
