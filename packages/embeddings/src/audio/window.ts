/**
 * Streaming windowing of long recordings. Attention cost grows with the square of the length
 * and an hour of audio is 57.6 M samples at 16 kHz, so long inputs are cut into overlapping
 * windows, embedded one by one and pooled across windows by the caller.
 */

/** Options for `windowAudio`. */
export interface WindowOptions {
  /** Rate of the incoming samples, used to convert seconds to frames. Required. */
  sampleRate: number;
  /** Window length in seconds. Default 30 (the length wav2vec2-family models are tuned on). */
  windowSec?: number;
  /**
   * Overlap between consecutive windows in seconds. Default 5: a word cut by one window's
   * edge is whole in the next, and the hop (25 s) keeps the extra compute at 20%.
   */
  overlapSec?: number;
}

/** One window of a recording. */
export interface AudioWindow {
  /** 0-based position of the window. */
  index: number;
  /** Start and end in seconds from the beginning of the input. */
  start: number;
  end: number;
  /** Start and end in frames (end exclusive). */
  startFrame: number;
  endFrame: number;
  /** The window's samples (a copy the caller owns). */
  samples: Float32Array;
}

type Chunks = AsyncIterable<Float32Array> | Iterable<Float32Array> | Float32Array;

/**
 * Cuts a stream of chunks (or one array) into windows of `windowSec` every
 * `windowSec - overlapSec`. The last window is aligned to the end of the input, so it is full
 * length; an input shorter than one window gives a single window of its own length. Holds at
 * most one window plus one chunk, whatever the input's length.
 * @example
 * for await (const w of windowAudio(openAudioStream(path, { targetRate: 16000 }), { sampleRate: 16000 }))
 *   embed(w.samples);
 */
export async function* windowAudio(
  chunks: Chunks,
  options: WindowOptions,
): AsyncGenerator<AudioWindow, void, undefined> {
  const { sampleRate } = options;
  if (!(sampleRate > 0)) throw new RangeError(`sampleRate must be positive, got ${sampleRate}`);
  const window = Math.round((options.windowSec ?? 30) * sampleRate);
  const overlap = Math.round((options.overlapSec ?? 5) * sampleRate);
  const hop = window - overlap;
  if (!(window > 0)) throw new RangeError("windowSec must give at least one frame");
  if (!(overlap >= 0 && hop > 0)) {
    throw new RangeError(`overlapSec must be in [0, windowSec), got ${options.overlapSec}`);
  }

  let buffer = new Float32Array(0);
  let bufferStart = 0; // absolute frame index of buffer[0]
  let bufferLength = 0;
  let total = 0;
  let nextStart = 0;
  let index = 0;
  let lastEnd = 0;

  const make = (startFrame: number, endFrame: number): AudioWindow => {
    const from = startFrame - bufferStart;
    lastEnd = endFrame;
    return {
      index: index++,
      start: startFrame / sampleRate,
      end: endFrame / sampleRate,
      startFrame,
      endFrame,
      samples: buffer.slice(from, from + (endFrame - startFrame)),
    };
  };

  const append = (chunk: Float32Array) => {
    if (bufferLength + chunk.length > buffer.length) {
      const grown = new Float32Array(Math.max(bufferLength + chunk.length, window + chunk.length));
      grown.set(buffer.subarray(0, bufferLength));
      buffer = grown;
    }
    buffer.set(chunk, bufferLength);
    bufferLength += chunk.length;
    total += chunk.length;
  };

  // Keeps what a later window can still need: from the next full window's start, and the last
  // `window` frames for an end-aligned final window.
  const trim = () => {
    const keepFrom = Math.max(bufferStart, Math.min(nextStart, total - window));
    const drop = keepFrom - bufferStart;
    if (drop <= 0) return;
    buffer.copyWithin(0, drop, bufferLength);
    bufferLength -= drop;
    bufferStart = keepFrom;
  };

  const source: Iterable<Float32Array> | AsyncIterable<Float32Array> =
    chunks instanceof Float32Array ? [chunks] : chunks;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    append(chunk);
    while (nextStart + window <= total) {
      yield make(nextStart, nextStart + window);
      nextStart += hop;
    }
    trim();
  }
  if (total === 0) return;
  if (index === 0) yield make(0, total);
  else if (lastEnd < total) yield make(total - window, total);
}
