/**
 * Hugging Face `datasets` Parquet files (the Hub's Parquet conversion): an `audio` struct
 * column `{bytes, path}` holding each clip's encoded file, plus any other columns.
 */
import { openAsBlob } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm/node";
import { type AudioRecord, DatasetError, type MetadataValue } from "./types.js";

/** Options for `parquetSource`. */
export interface ParquetOptions {
  /** The struct column with `bytes` and `path`. Default "audio". */
  audioColumn?: string;
  /** The label column. Default "label" when present; null for no label. */
  labelColumn?: string | null;
  /** Ids are `<file relative to root>#<row>`. Default: the files' common folder. */
  root?: string;
}

function commonFolder(files: string[]): string {
  let common = dirname(files[0] as string);
  for (const file of files) {
    while (!(dirname(file) + sep).startsWith(common.endsWith(sep) ? common : common + sep)) {
      const up = dirname(common);
      if (up === common) break;
      common = up;
    }
  }
  return common;
}

/**
 * HF stores ClassLabel names in the "huggingface" key-value metadata of the file (pyarrow shows
 * it as schema metadata); integer labels are mapped back to those names.
 */
function classNames(keyValues: Map<unknown, unknown>, column: string): string[] | null {
  const raw = keyValues.get("huggingface");
  if (typeof raw !== "string") return null;
  try {
    const feature = JSON.parse(raw)?.info?.features?.[column];
    return feature?._type === "ClassLabel" && Array.isArray(feature.names) ? feature.names : null;
  } catch {
    return null;
  }
}

/** Scalars are kept (bigints as numbers when exact, else strings); the rest as JSON text. */
function toMetadata(value: unknown): MetadataValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  if (value instanceof Date) return value.toISOString();
  const plain =
    typeof (value as { toJSON?: unknown }).toJSON === "function"
      ? (value as { toJSON(): unknown }).toJSON()
      : value;
  return JSON.stringify(plain, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** Reads one row group into an apache-arrow Table; only that group is held in memory. */
async function readRowGroup(file: pq.ParquetFile, group: number): Promise<arrow.Table> {
  const table = await file.read({ rowGroups: [group] });
  return arrow.tableFromIPC(table.intoIPCStream());
}

/**
 * Records of one or more Parquet files, in file then row order, streamed one row group at a
 * time. `source` is `{ bytes, path }` from the audio struct; every other column is metadata
 * (the audio struct's `path` too, as `path`). A null or missing `bytes` cell yields a record
 * whose bytes are empty, which decoding reports as ERR_AUDIO_EMPTY.
 * @example for await (const r of parquetSource(["data/train-00000-of-00001.parquet"])) ...
 */
export async function* parquetSource(
  paths: string | string[],
  options: ParquetOptions = {},
): AsyncGenerator<AudioRecord> {
  const files = (Array.isArray(paths) ? paths : [paths]).map((p) => resolve(p));
  if (files.length === 0) return;
  const root = options.root ? resolve(options.root) : commonFolder(files);
  const audioColumn = options.audioColumn ?? "audio";
  for (const path of files) {
    const relPath = relative(root, path).split(sep).join("/");
    let file: pq.ParquetFile;
    try {
      file = await pq.ParquetFile.fromFile(await openAsBlob(path));
    } catch (err) {
      throw new DatasetError("ERR_DATASET_FORMAT", `${path}: not a readable Parquet file`, {
        cause: err,
      });
    }
    try {
      const metadata = file.metadata();
      const groups = metadata.numRowGroups();
      // pyarrow writes "huggingface" both as a file key-value and inside the Arrow schema;
      // other writers (parquet-wasm) only in the Arrow schema.
      const keyValues = new Map<unknown, unknown>([
        ...metadata.fileMetadata().keyValueMetadata(),
        ...file.schema().metadata(),
      ]);
      let row = 0;
      for (let group = 0; group < groups; group++) {
        const table = await readRowGroup(file, group);
        const audio = table.getChild(audioColumn);
        if (!audio) {
          throw new DatasetError(
            "ERR_DATASET_FORMAT",
            `${path}: no "${audioColumn}" column (columns: ${table.schema.names.join(", ")})`,
          );
        }
        const bytesCol = audio.getChild("bytes");
        const pathCol = audio.getChild("path");
        const labelColumn =
          options.labelColumn === undefined
            ? table.getChild("label")
              ? "label"
              : null
            : options.labelColumn;
        const names = labelColumn ? classNames(keyValues, labelColumn) : null;
        const labels = labelColumn ? table.getChild(labelColumn) : null;
        const others = table.schema.fields
          .map((f) => f.name)
          .filter((n) => n !== audioColumn && n !== labelColumn);
        const columns = others.map((n) => [n, table.getChild(n)] as const);
        for (let i = 0; i < table.numRows; i++, row++) {
          const bytes = bytesCol?.get(i) as Uint8Array | null | undefined;
          const clipPath = pathCol?.get(i) as string | null | undefined;
          const metadata: Record<string, MetadataValue> = { path: clipPath ?? null };
          for (const [name, column] of columns) metadata[name] = toMetadata(column?.get(i));
          const record: AudioRecord = {
            id: `${relPath}#${row}`,
            // Copied out so the row group's buffers can be freed while the record is in flight.
            source: clipPath
              ? { bytes: bytes ? bytes.slice() : new Uint8Array(0), path: clipPath }
              : { bytes: bytes ? bytes.slice() : new Uint8Array(0) },
            metadata,
          };
          const rawLabel = labels?.get(i);
          if (rawLabel !== null && rawLabel !== undefined) {
            const n = typeof rawLabel === "bigint" ? Number(rawLabel) : rawLabel;
            record.label = typeof n === "number" && names?.[n] !== undefined ? names[n] : String(n);
          }
          yield record;
        }
      }
    } finally {
      file.free();
    }
  }
}
