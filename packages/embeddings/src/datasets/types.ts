/** The record every dataset source yields. */

/** A metadata value: what survives a round trip through Parquet, CSV and JSON. */
export type MetadataValue = string | number | boolean | null;

/** Where a record's audio is: a file, or encoded bytes (Parquet) with the path they came from. */
export type RecordSource = { path: string } | { bytes: Uint8Array; path?: string };

/** The type a metadata column is written with (`int64` for integers, as Arrow names it). */
export type MetadataType = "int64" | "float64" | "bool" | "string";

/** One input clip. */
export interface AudioRecord {
  /** Stable id: the path relative to the dataset root (plus `#row` for Parquet rows). */
  id: string;
  source: RecordSource;
  label?: string;
  /** Every other column or layout fact, e.g. speaker_id, split, transcription. */
  metadata: Record<string, MetadataValue>;
  /**
   * Set when the source could not read this record (a ragged CSV row, a bad JSONL line): it is
   * never decoded and becomes an error row (stage "source") with this code and reason.
   */
  invalid?: { code: string; reason: string };
}

/** A failure to read a dataset's layout or index files (not an audio decoding error). */
export class DatasetError extends Error {
  /**
   * `ERR_DATASET_LAYOUT` (unrecognised or inconsistent layout), `ERR_DATASET_FORMAT` (an index
   * file cannot be read) or `ERR_DATASET_SPLIT` (the asked-for split does not exist).
   */
  readonly code: "ERR_DATASET_LAYOUT" | "ERR_DATASET_FORMAT" | "ERR_DATASET_SPLIT";
  constructor(code: DatasetError["code"], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatasetError";
    this.code = code;
  }
}
