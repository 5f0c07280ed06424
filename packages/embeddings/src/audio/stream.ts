/** Streaming decode: an input read as bounded mono chunks, for recordings of any length. */
import { type NativeAudioReader, native } from "@audiomap/core-native";
import type { AudioInput, DecodeLimits } from "./decode.js";
import { rethrowNative } from "./errors.js";

/**
 * Options for `openAudioStream`. The limits apply as in `decodeAudio`: a header that shows the
 * input too long or truncated fails the open; otherwise the read that passes `maxSeconds`, or
 * the last read of an input that ends early, rejects (after the chunks before it were yielded).
 */
export interface AudioStreamOptions extends DecodeLimits {
  /** Output rate in Hz (libsoxr VHQ, streaming). Default: the file's rate. */
  targetRate?: number;
  /** Largest chunk yielded, in output frames. Default 262144 (16.4 s at 16 kHz, 1 MiB). */
  chunkFrames?: number;
  /** Stops the iteration (it throws the abort reason) between chunks. */
  signal?: AbortSignal;
  /** Label used in error messages for byte inputs. */
  name?: string;
}

/** Format facts of an opened stream. */
export interface AudioStreamInfo {
  /** Rate of the yielded samples. */
  sampleRate: number;
  originalSampleRate: number;
  channels: number;
  /** Frames in the file at its own rate, or -1 when the container does not say. */
  originalFrames: number;
  /** Frames the header states exactly, or -1 when it states none (see `DecodedAudio`). */
  declaredFrames: number;
  /** Expected duration, or NaN when unknown. */
  durationSec: number;
  container: string;
  encoding: string;
}

/**
 * A lazily opened input yielding Float32Array chunks of mono audio. Memory stays bounded by
 * `chunkFrames` however long the input is. Iterate it once; `close()` (or `await using`)
 * releases the native handle early and is safe to repeat.
 */
export class AudioStream implements AsyncIterable<Float32Array>, AsyncDisposable {
  readonly #reader: NativeAudioReader;
  readonly #options: AudioStreamOptions;
  readonly #info: Promise<AudioStreamInfo>;
  #iterated = false;

  constructor(source: AudioInput, options: AudioStreamOptions = {}) {
    this.#options = options;
    this.#reader = new (native().AudioReader)();
    this.#info = this.#reader
      .open(source, options.targetRate ?? 0, options.name, {
        maxSeconds: options.maxSeconds,
        allowTruncated: options.allowTruncated,
      })
      .then((info) => ({
        ...info,
        durationSec:
          info.originalFrames >= 0 ? info.originalFrames / info.originalSampleRate : Number.NaN,
      }))
      .catch((err) =>
        rethrowNative(err, options.name ?? (typeof source === "string" ? source : undefined)),
      );
    // A failed open surfaces through `info` or the iteration; never as an unhandled rejection.
    this.#info.catch(() => {});
  }

  /** Resolves once the input is open; rejects with an `AudioError` if it cannot be. */
  get info(): Promise<AudioStreamInfo> {
    return this.#info;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Float32Array, void, undefined> {
    if (this.#iterated) throw new Error("an AudioStream can be iterated only once");
    this.#iterated = true;
    const chunkFrames = this.#options.chunkFrames ?? 262_144;
    if (!(Number.isInteger(chunkFrames) && chunkFrames > 0)) {
      throw new RangeError(`chunkFrames must be a positive integer, got ${chunkFrames}`);
    }
    try {
      await this.#info;
      for (;;) {
        this.#options.signal?.throwIfAborted();
        let chunk: Float32Array | null;
        try {
          chunk = await this.#reader.read(chunkFrames);
        } catch (err) {
          rethrowNative(err);
        }
        if (chunk === null) return;
        yield chunk;
      }
    } finally {
      this.close();
    }
  }

  /** Releases the native reader. Idempotent. */
  close(): void {
    this.#reader.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

/**
 * Opens `source` for streaming. Use `for await (const chunk of openAudioStream(...))`;
 * `await stream.info` gives the format once open.
 * @example
 * for await (const chunk of openAudioStream("talk.mp3", { targetRate: 16000 })) use(chunk);
 */
export function openAudioStream(source: AudioInput, options: AudioStreamOptions = {}): AudioStream {
  return new AudioStream(source, options);
}
