/** One-shot decoding of a whole input to mono float samples. */
import { native } from "@audiomap/core-native";
import { rethrowNative } from "./errors.js";

/** An input: a file path, or the encoded bytes of a file (WAV, FLAC, OGG, Opus, MP3...). */
export type AudioInput = string | Uint8Array;

/** Options for `decodeAudio`. */
export interface DecodeOptions {
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
}

/**
 * Decodes `source` with libsndfile on a worker thread, down-mixes to mono and resamples to
 * `targetRate`. Rejects with an `AudioError` (see its codes) for bad inputs; never crashes.
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
    decoded = await native().decodeAudio(source, options.targetRate ?? 0, options.name);
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
  };
}
