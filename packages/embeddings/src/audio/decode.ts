/** One-shot decoding of a whole input to mono float samples. */
import { native } from "@audiomap/core-native";
import { rethrowNative } from "./errors.js";

/** An input: a file path, or the encoded bytes of a file (WAV, FLAC, OGG, Opus, MP3...). */
export type AudioInput = string | Uint8Array;

/**
 * Bounds on one decode, so that a damaged or hostile header cannot cost unbounded memory or
 * time. Rates outside [1000, 768000] Hz are always refused (ERR_AUDIO_SAMPLE_RATE).
 */
export interface DecodeLimits {
  /**
   * Longest accepted input, in seconds; a longer one fails with ERR_AUDIO_TOO_LONG, found from
   * the header when it states the length (nothing is decoded), else as soon as decoding passes
   * it. This bounds memory: a decode holds at most 4 bytes × output rate × maxSeconds, 0.92 GB
   * at 16 kHz for the default. `Infinity` removes the limit. Default 14400 (4 hours).
   */
  maxSeconds?: number;
  /**
   * Keep the frames present in a truncated input (one that ends, or stops decoding, before
   * the length its header states) instead of failing with ERR_AUDIO_TRUNCATED; the result then
   * says `truncated: true`. Default false.
   */
  allowTruncated?: boolean;
}

/** Options for `decodeAudio`. */
export interface DecodeOptions extends DecodeLimits {
  /** Output rate in Hz; the samples are resampled with libsoxr (VHQ). Default: the file's rate. */
  targetRate?: number;
  /** Aborts before the decode starts or discards its result when aborted during it. */
  signal?: AbortSignal;
  /** Label used in error messages for byte inputs. Default: the path, or "<bytes>". */
  name?: string;
}

/** A whole decoded input. */
export interface DecodedAudio {
  /** Mono samples (the average of all channels) at `sampleRate`, in [-1, 1] for PCM input. */
  samples: Float32Array;
  sampleRate: number;
  originalSampleRate: number;
  /** Channels in the file before the down-mix. */
  channels: number;
  /** `samples.length`. */
  frames: number;
  durationSec: number;
  /** libsndfile's container and encoding names, e.g. "FLAC" / "Signed 16 bit PCM". */
  container: string;
  encoding: string;
  /** Frames (at the file's rate) the header states exactly, or -1 when it states none. */
  declaredFrames: number;
  /** True when the input was shorter than `declaredFrames` and `allowTruncated` kept it. */
  truncated: boolean;
}

/**
 * Decodes `source` with libsndfile on a worker thread, down-mixes to mono and resamples to
 * `targetRate`. Rejects with an `AudioError` (see its codes) for bad inputs; never crashes.
 * Every resolved decode has at least one frame and only finite samples. A path and the same
 * bytes in memory decode identically: the format is found from the content, never from the
 * file name.
 * @example
 * const { samples, sampleRate } = await decodeAudio("clip.flac", { targetRate: 16000 });
 */
export async function decodeAudio(
  source: AudioInput,
  options: DecodeOptions = {},
): Promise<DecodedAudio> {
  options.signal?.throwIfAborted();
  let decoded: Awaited<ReturnType<ReturnType<typeof native>["decodeAudio"]>>;
  try {
    decoded = await native().decodeAudio(source, options.targetRate ?? 0, options.name, {
      maxSeconds: options.maxSeconds,
      allowTruncated: options.allowTruncated,
    });
  } catch (err) {
    rethrowNative(err, options.name ?? (typeof source === "string" ? source : undefined));
  }
  options.signal?.throwIfAborted();
  return {
    samples: decoded.samples,
    sampleRate: decoded.sampleRate,
    originalSampleRate: decoded.originalSampleRate,
    channels: decoded.channels,
    frames: decoded.frames,
    durationSec: decoded.frames / decoded.sampleRate,
    container: decoded.container,
    encoding: decoded.encoding,
    declaredFrames: decoded.declaredFrames,
    truncated: decoded.truncated,
  };
}
