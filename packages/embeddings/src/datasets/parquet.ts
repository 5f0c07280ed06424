/**
 * Hugging Face `datasets` Parquet files (the Hub's Parquet conversion): an `audio` struct
 * column `{bytes, path}` holding each clip's encoded file, plus any other columns.
 */
import { existsSync, openAsBlob } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm/node";
import { splitFromPath, unknownSplit } from "./splits.js";
import { type AudioRecord, DatasetError, type MetadataType, type MetadataValue } from "./types.js";

/** Options for `parquetSource`. */
export interface ParquetOptions {
  /** The struct column with `bytes` and `path`. Default "audio". */
  audioColumn?: string;
  /** The label column. Default "label" when present; null for no label. */
  labelColumn?: string | null;
  /** Ids are `<file relative to root>#<row>`. Default: the files' common folder. */
  root?: string;
  /**
   * Only this split: the files whose Hub name or folder says it (`data/test-00000-of-00001.
   * parquet`, `test/0000.parquet`), else the rows whose `split` column holds it. A split that
   * is not there throws ERR_DATASET_SPLIT.
   */
  split?: string;
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
 * HF stores the features in the "huggingface" key-value metadata of the file (pyarrow shows it
 * as schema metadata). The names of every top-level ClassLabel column, by column.
 */
function classLabels(keyValues: Map<unknown, unknown>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const raw = keyValues.get("huggingface");
  if (typeof raw !== "string") return out;
  let features: unknown;
  try {
    features = JSON.parse(raw)?.info?.features;
  } catch {
    return out;
  }
  if (!features || typeof features !== "object") return out;
  for (const [column, feature] of Object.entries(features as Record<string, unknown>)) {
    const f = feature as { _type?: unknown; names?: unknown };
    if (f?._type === "ClassLabel" && Array.isArray(f.names)) out.set(column, f.names.map(String));
  }
  return out;
}

/** A ClassLabel cell's name; -1 (HF's "no label"), null and out-of-range ids give null. */
function className(names: string[], value: unknown): string | null {
  const n = typeof value === "bigint" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n < names.length
    ? (names[n] as string)
    : null;
}

/** The metadata type of an Arrow column. */
function metadataType(type: arrow.DataType): MetadataType {
  if (arrow.DataType.isInt(type)) return "int64";
  if (arrow.DataType.isFloat(type) || arrow.DataType.isDecimal(type)) return "float64";
  if (arrow.DataType.isBool(type)) return "bool";
  return "string";
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
async function readRowGroup(
  file: pq.ParquetFile,
  group: number,
  columns?: string[],
): Promise<arrow.Table> {
  const table = await file.read({ rowGroups: [group], ...(columns && { columns }) });
  return arrow.tableFromIPC(table.intoIPCStream());
}

async function openFile(path: string): Promise<pq.ParquetFile> {
  try {
    return await pq.ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    throw new DatasetError("ERR_DATASET_FORMAT", `${path}: not a readable Parquet file`, {
      cause: err,
    });
  }
}

/** The file's Arrow schema, and its key-value metadata. */
/**
 * The file's key-value metadata. pyarrow writes "huggingface" both as a file key-value and
 * inside the Arrow schema; other writers (DuckDB, parquet-wasm) in one of the two.
 */
function keyValuesOf(file: pq.ParquetFile): Map<unknown, unknown> {
  return new Map<unknown, unknown>([
    ...file.metadata().fileMetadata().keyValueMetadata(),
    ...file.schema().metadata(),
  ]);
}

async function fileSchema(
  path: string,
): Promise<{ schema: arrow.Schema; keyValues: Map<unknown, unknown> }> {
  const file = await openFile(path);
  try {
    const keyValues = keyValuesOf(file);
    // The schema alone, as an IPC stream with no batch (no audio bytes are read).
    const schema = arrow.tableFromIPC(file.schema().intoIPCStream()).schema;
    return { schema, keyValues };
  } finally {
    file.free();
  }
}

/** The distinct values of a `split` column, or null when the file has none. */
async function splitValues(path: string): Promise<Set<string> | null> {
  const file = await openFile(path);
  try {
    const out = new Set<string>();
    for (let g = 0; g < file.metadata().numRowGroups(); g++) {
      const table = await readRowGroup(file, g, ["split"]).catch(() => null);
      const column = table?.getChild("split");
      if (!column) return null;
      for (const v of column) if (v !== null && v !== undefined) out.add(String(v));
    }
    return out;
  } finally {
    file.free();
  }
}

interface ParquetPlan {
  root: string;
  /** The files to read, each with its split from the path (or null). */
  files: { path: string; rel: string; split: string | null }[];
  /** Filter rows on the `split` column (when the paths name no split). */
  splitColumn: string | null;
}

async function plan(paths: string | string[], options: ParquetOptions): Promise<ParquetPlan> {
  const all = (Array.isArray(paths) ? paths : [paths]).map((p) => resolve(p));
  const root = options.root ? resolve(options.root) : all.length ? commonFolder(all) : ".";
  const files = all.map((path) => {
    const rel = relative(root, path).split(sep).join("/");
    return { path, rel, split: splitFromPath(rel) };
  });
  const wanted = options.split;
  if (wanted === undefined) return { root, files, splitColumn: null };
  if (files.some((f) => f.split !== null)) {
    const chosen = files.filter((f) => f.split === wanted);
    if (chosen.length === 0) {
      throw unknownSplit(
        root,
        wanted,
        files.flatMap((f) => (f.split ? [f.split] : [])),
      );
    }
    return { root, files: chosen, splitColumn: null };
  }
  // No split in the file names: a `split` column, as some single-file exports have.
  const seen = new Set<string>();
  for (const f of files) {
    const values = await splitValues(f.path);
    if (values === null) throw unknownSplit(root, wanted, []);
    for (const v of values) seen.add(v);
  }
  if (!seen.has(wanted)) throw unknownSplit(root, wanted, seen);
  return { root, files, splitColumn: wanted };
}

/** Metadata columns a Parquet source yields besides the file's own. */
const AUDIO_PATH = "audio_path";

/**
 * The types of the metadata columns `parquetSource` yields, from the first file's schema:
 * integer columns are `int64`, floats `float64`, booleans `bool`, the rest `string`.
 */
export async function parquetColumnTypes(
  paths: string | string[],
  options: ParquetOptions = {},
): Promise<Record<string, MetadataType>> {
  // With a split, `plan` throws ERR_DATASET_SPLIT for one the files do not have.
  const { files } = await plan(paths, options);
  const first = files[0];
  if (!first) return {};
  const { schema, keyValues } = await fileSchema(first.path);
  const labels = classLabels(keyValues);
  const labelColumn = resolveLabelColumn(schema, options);
  const audioColumn = options.audioColumn ?? "audio";
  const out: Record<string, MetadataType> = { [AUDIO_PATH]: "string" };
  for (const field of schema.fields) {
    if (field.name === audioColumn) continue;
    if (field.name === labelColumn && !(labels.has(field.name) && field.name !== "label")) continue;
    out[field.name] = metadataType(field.type);
    if (labels.has(field.name) && field.name !== labelColumn) out[`${field.name}_name`] = "string";
  }
  if (files.some((f) => f.split !== null) && !("split" in out)) out.split = "string";
  return out;
}

function resolveLabelColumn(schema: arrow.Schema, options: ParquetOptions): string | null {
  if (options.labelColumn === undefined) {
    return schema.fields.some((f) => f.name === "label") ? "label" : null;
  }
  return options.labelColumn;
}

/**
 * Records of one or more Parquet files, in file then row order, streamed one row group at a
 * time.
 * - The id is `<file relative to root>#<row>`, unique across files.
 * - The audio is the struct's `bytes`, and the record's path is `<file>#<row>` (the CLI's pages
 *   play it from there). A null `bytes` falls back to the struct's `path`, as HF does, read
 *   relative to the Parquet file's folder. The struct's `path` is kept as `audio_path`.
 * - Every ClassLabel column (the features in the "huggingface" metadata) keeps its integer and
 *   gains `<column>_name`; the label column gets the name as label. -1 is no label.
 * - Every other column is metadata, and the split named by the file's path is `split`.
 * @example for await (const r of parquetSource(["data/train-00000-of-00001.parquet"])) ...
 */
export async function* parquetSource(
  paths: string | string[],
  options: ParquetOptions = {},
): AsyncGenerator<AudioRecord> {
  const { files, splitColumn } = await plan(paths, options);
  const audioColumn = options.audioColumn ?? "audio";
  for (const { path, rel, split } of files) {
    const file = await openFile(path);
    try {
      const metadata = file.metadata();
      const groups = metadata.numRowGroups();
      const labelsOf = classLabels(keyValuesOf(file));
      const folder = dirname(path);
      let row = 0;
      for (let group = 0; group < groups; group++) {
        const table = await readRowGroup(file, group);
        const audio = table.getChild(audioColumn);
        const names = table.schema.names.join(", ");
        if (!audio) {
          throw new DatasetError(
            "ERR_DATASET_FORMAT",
            `${path}: no "${audioColumn}" column (columns: ${names}); name it with --audio-column`,
          );
        }
        const labelColumn = resolveLabelColumn(table.schema, options);
        const labels = labelColumn ? table.getChild(labelColumn) : null;
        if (labelColumn && !labels) {
          throw new DatasetError(
            "ERR_DATASET_FORMAT",
            `${path}: no label column "${labelColumn}" (columns: ${names})`,
          );
        }
        const labelNames = labelColumn ? labelsOf.get(labelColumn) : undefined;
        const bytesCol = audio.getChild("bytes");
        const pathCol = audio.getChild("path");
        const keepLabel = labelNames !== undefined && labelColumn !== "label";
        const columns = table.schema.fields
          .map((f) => f.name)
          .filter((n) => n !== audioColumn && (n !== labelColumn || keepLabel))
          .map((n) => [n, table.getChild(n), labelsOf.get(n)] as const);
        const splitCells = splitColumn ? table.getChild("split") : null;
        for (let i = 0; i < table.numRows; i++, row++) {
          if (splitCells && String(splitCells.get(i)) !== splitColumn) continue;
          const bytes = bytesCol?.get(i) as Uint8Array | null | undefined;
          const clipPath = (pathCol?.get(i) as string | null | undefined) ?? null;
          const meta: Record<string, MetadataValue> = { [AUDIO_PATH]: clipPath };
          for (const [name, column, classes] of columns) {
            const value = column?.get(i);
            meta[name] = toMetadata(value);
            if (classes && name !== labelColumn) meta[`${name}_name`] = className(classes, value);
          }
          if (split !== null && !("split" in meta)) meta.split = split;
          let source: AudioRecord["source"];
          if (bytes && bytes.length > 0) {
            // Copied out so the row group's buffers can be freed while the record is in flight.
            source = { bytes: bytes.slice(), path: `${path}#${row}` };
          } else if (clipPath) {
            source = { path: isAbsolute(clipPath) ? clipPath : resolve(folder, clipPath) };
            if (!existsSync(source.path) && existsSync(resolve(clipPath))) {
              source = { path: resolve(clipPath) };
            }
          } else {
            source = { bytes: new Uint8Array(0), path: `${path}#${row}` };
          }
          const record: AudioRecord = { id: `${rel}#${row}`, source, metadata: meta };
          const raw = labels?.get(i);
          const label = labelNames
            ? className(labelNames, raw)
            : raw === null || raw === undefined || raw === ""
              ? null
              : String(typeof raw === "bigint" ? raw.toString() : raw);
          if (label !== null) record.label = label;
          yield record;
        }
      }
    } finally {
      file.free();
    }
  }
}
