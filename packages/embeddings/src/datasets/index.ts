/** Dataset sources: each streams `AudioRecord`s in a deterministic order. */
export { type AudioFolderOptions, audioFolderSource, isAudioFolder } from "./audiofolder.js";
export { AUDIO_EXTENSIONS, isAudioFile } from "./files.js";
export {
  type FingerprintOptions,
  fingerprintSource,
  type SourceFingerprint,
} from "./fingerprint.js";
export { folderSource } from "./folder.js";
export { type ManifestOptions, manifestSource } from "./manifest.js";
export { MINDS14_INTENTS, type Minds14Options, minds14Source } from "./minds14.js";
export {
  type DatasetKind,
  detectKind,
  type OpenDatasetOptions,
  type OpenedDataset,
  openDataset,
} from "./open.js";
export { type ParquetOptions, parquetColumnTypes, parquetSource } from "./parquet.js";
export {
  type SpeechCommandsOptions,
  type SpeechCommandsSplit,
  speechCommandsSource,
} from "./speech-commands.js";
export { splitFromPath } from "./splits.js";
export {
  type AudioRecord,
  DatasetError,
  type MetadataType,
  type MetadataValue,
  type RecordSource,
} from "./types.js";
