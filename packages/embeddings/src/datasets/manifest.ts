/**
 * CSV and JSONL manifests: one row per clip with a path column, an optional label column and
 * any other columns, which are kept as metadata.
 */
import { createReadStream } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { type AudioRecord, DatasetError, type MetadataValue } from "./types.js";

/** Options for `manifestSource`. */
export interface ManifestOptions {
  /** Column holding the audio path. Default: the first of "path", "file", "audio", "filename". */
  pathColumn?: string;
  /** Column holding the label. Default "label" when present; null for no label. */
  labelColumn?: string | null;
  /** Column holding the record id. Default: the path as written in the manifest. */
  idColumn?: string;
  /** "csv" or "jsonl". Default: from the extension (.jsonl/.ndjson are JSONL, else CSV). */
  format?: "csv" | "jsonl";
}

const PATH_COLUMNS = ["path", "file", "audio", "filename", "file_name"];

export async function* csvRows(path: string): AsyncGenerator<Record<string, unknown>> {
  const parser = createReadStream(path).pipe(
    parse({ columns: true, skip_empty_lines: true, bom: true, trim: true }),
  );
  for await (const row of parser) yield row as Record<string, unknown>;
}

export async function* jsonlRows(path: string): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DatasetError("ERR_DATASET_FORMAT", `${path}:${number}: invalid JSON`, {
        cause: err,
      });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DatasetError("ERR_DATASET_FORMAT", `${path}:${number}: not a JSON object`);
    }
    yield value as Record<string, unknown>;
  }
}

/** Primitive values are kept; objects and arrays become their JSON text. */
export function toMetadata(value: unknown): MetadataValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  return JSON.stringify(value);
}

/** A path cell: a string, or an object with a `path` (as HF's JSON export writes audio). */
function pathOf(value: unknown): string | null {
  if (typeof value === "string" && value) return value;
  if (
    value &&
    typeof value === "object" &&
    typeof (value as { path?: unknown }).path === "string"
  ) {
    return (value as { path: string }).path;
  }
  return null;
}

/**
 * Records of a manifest, in file order. Relative paths resolve against the manifest's folder.
 * CSV cells stay strings (no type guessing: "007" stays "007"); JSONL values keep their JSON
 * types. The id is the path as written (or `idColumn`).
 * @example for await (const r of manifestSource("clips.csv", { labelColumn: "speaker" })) ...
 */
export async function* manifestSource(
  manifest: string,
  options: ManifestOptions = {},
): AsyncGenerator<AudioRecord> {
  const file = resolve(manifest);
  const folder = dirname(file);
  const format = options.format ?? (/\.(jsonl|ndjson)$/i.test(file) ? "jsonl" : "csv");
  const rows = format === "jsonl" ? jsonlRows(file) : csvRows(file);
  let line = 0;
  for await (const row of rows) {
    line++;
    const pathColumn = options.pathColumn ?? PATH_COLUMNS.find((c) => c in row);
    const path = pathColumn ? pathOf(row[pathColumn]) : null;
    if (!pathColumn || path === null) {
      throw new DatasetError(
        "ERR_DATASET_FORMAT",
        `${file}: row ${line} has no audio path (looked for ${options.pathColumn ?? PATH_COLUMNS.join(", ")})`,
      );
    }
    const labelColumn =
      options.labelColumn === undefined ? ("label" in row ? "label" : null) : options.labelColumn;
    const metadata: Record<string, MetadataValue> = {};
    for (const [key, value] of Object.entries(row)) {
      if (key !== pathColumn && key !== labelColumn) metadata[key] = toMetadata(value);
    }
    const label = labelColumn ? row[labelColumn] : undefined;
    const id = options.idColumn ? String(row[options.idColumn] ?? "") : path;
    const record: AudioRecord = {
      id,
      source: { path: isAbsolute(path) ? path : resolve(folder, path) },
      metadata,
    };
    if (label !== undefined && label !== null && label !== "") record.label = String(label);
    yield record;
  }
}
