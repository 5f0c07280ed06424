/** Audio in: decoding, streaming, windowing and normalisation. */
export {
  type AudioInput,
  type DecodedAudio,
  type DecodeLimits,
  type DecodeOptions,
  decodeAudio,
} from "./decode.js";
export { AudioError, type AudioErrorCode } from "./errors.js";
export { normalizeUtterance } from "./normalize.js";
export {
  AudioStream,
  type AudioStreamInfo,
  type AudioStreamOptions,
  openAudioStream,
} from "./stream.js";
export { type AudioWindow, type WindowOptions, windowAudio } from "./window.js";
