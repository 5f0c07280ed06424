/**
 * CSV and JSONL manifests: one row per clip with a path column, an optional label column and
 * any other columns, which are kept as metadata.
 */
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { openText } from "./text.js";
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

/**
 * One row of an index file: its values by column, or why it cannot be read. A broken row is
 * reported in place (it becomes an error row of the run) instead of ending the whole run.
 */
export type IndexRow =
  | { line: number; values: Record<string, unknown>; invalid?: undefined }
  | { line: number; invalid: string };

/**
 * A CSV file's rows, keyed by its header. A row with more or fewer fields than the header, or
 * one the parser cannot read (an unclosed quote), is an `invalid` row naming its line.
 */
export async function* csvRows(path: string): AsyncGenerator<IndexRow> {
  // Rows the parser skips come through on_skip while the stream is read ahead; they are held
  // here and yielded in line order with the good ones.
  const skipped: { line: number; invalid: string }[] = [];
  const parser = (await openText(path)).pipe(
    parse({
      columns: false,
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        skipped.push({
          line: (err as { lines?: number } | undefined)?.lines ?? 0,
          invalid: `line ${(err as { lines?: number } | undefined)?.lines ?? "?"}: ${err?.message ?? "unreadable CSV"}`,
        });
        return undefined;
      },
    }),
  );
  let header: string[] | undefined;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    while (skipped.length && (skipped[0] as { line: number }).line < info.lines)
      yield skipped.shift() as IndexRow;
    if (!header) {
      header = record;
      continue;
    }
    if (record.length !== header.length) {
      yield {
        line: info.lines,
        invalid: `line ${info.lines} has ${record.length} fields; the header has ${header.length}`,
      };
      continue;
    }
    const values: Record<string, unknown> = {};
    header.forEach((name, i) => {
      values[name] = record[i];
    });
    yield { line: info.lines, values };
  }
  yield* skipped;
}

/** A JSONL file's objects; a line that is not a JSON object is an `invalid` row. */
export async function* jsonlRows(path: string): AsyncGenerator<IndexRow> {
  const lines = createInterface({
    input: await openText(path),
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
      yield { line: number, invalid: `line ${number}: invalid JSON (${(err as Error).message})` };
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      yield { line: number, invalid: `line ${number}: not a JSON object` };
      continue;
    }
    yield { line: number, values: value as Record<string, unknown> };
  }
}

/**
 * The record of a row that could not be read: it keeps its place in the source (so indices and
 * resume stay aligned) and becomes an error row with the reason, never a silent gap.
 */
export function invalidRecord(file: string, line: number, reason: string): AudioRecord {
  return {
    id: `${basename(file)}:${line}`,
    source: { path: file },
    metadata: {},
    invalid: { code: "ERR_MANIFEST_ROW", reason: `${file}: ${reason}` },
  };
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
  for await (const entry of rows) {
    if (entry.invalid !== undefined) {
      yield invalidRecord(file, entry.line, entry.invalid);
      continue;
    }
    const row = entry.values;
    const pathColumn = options.pathColumn ?? PATH_COLUMNS.find((c) => c in row);
    // A CSV header without the path column is the whole file's problem, not one row's.
    if (format === "csv" && (!pathColumn || !(pathColumn in row)))
      throw new DatasetError(
        "ERR_DATASET_FORMAT",
        `${file}: the header has no audio path column (looked for ${options.pathColumn ?? PATH_COLUMNS.join(", ")})`,
      );
    const path = pathColumn ? pathOf(row[pathColumn]) : null;
    if (!pathColumn || path === null) {
      yield invalidRecord(
        file,
        entry.line,
        `line ${entry.line} has no audio path (looked for ${options.pathColumn ?? PATH_COLUMNS.join(", ")})`,
      );
      continue;
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
