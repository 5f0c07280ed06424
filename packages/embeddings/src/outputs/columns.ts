/**
 * The tabular shape of an embedding output: fixed columns, the prediction columns when the run
 * predicts, then every metadata key found in the input, then the embedding (and optionally the
 * frames). Every format writes these columns.
 */
import type { EmbeddedRow } from "../pipeline/embed.js";

/** Type of one scalar column. */
export type ColumnType = "int64" | "int32" | "float64" | "bool" | "string";

/** One scalar column. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/** The columns and vector widths of an output. */
export interface OutputSchema {
  columns: ColumnSpec[];
  /** Width of the `embedding` column. */
  dim: number;
  /** Width of each frame vector, when frames are written. */
  framesDim?: number;
}

/** A run of output rows: scalar columns per row, and the vectors packed row-major. */
export interface RowBatch {
  records: Record<string, unknown>[];
  embeddings: Float32Array;
  dim: number;
  frames?: { data: Float32Array; counts: Int32Array; dim: number };
}

/**
 * Columns every output starts with. `index` is the record's position in the source: shards and
 * resumed runs are merged back in that order.
 */
export const FIXED_COLUMNS: ColumnSpec[] = [
  { name: "index", type: "int64" },
  { name: "id", type: "string" },
  { name: "path", type: "string" },
  { name: "label", type: "string" },
  { name: "duration_sec", type: "float64" },
  { name: "sample_rate", type: "int32" },
  { name: "channels", type: "int32" },
  { name: "windows", type: "int32" },
];

/** Columns of `embed --predict`: the head's top label and its probability. */
export const PREDICTION_COLUMNS: ColumnSpec[] = [
  { name: "prediction", type: "string" },
  { name: "prediction_score", type: "float64" },
];

const RESERVED = new Set([
  ...FIXED_COLUMNS.map((c) => c.name),
  ...PREDICTION_COLUMNS.map((c) => c.name),
  "embedding",
  "frames",
]);

/**
 * The output column name of a metadata key: a reserved name gets a `meta_` prefix, and so does
 * a key that is already a reserved name with prefixes (`meta_index` → `meta_meta_index`), so
 * that a source holding both `index` and `meta_index` keeps both values. The rule depends on
 * the key alone, so every row maps a key to the same column, and no two keys share one.
 */
export function metadataColumn(key: string): string {
  return RESERVED.has(key.replace(/^(meta_)+/, "")) ? `meta_${key}` : key;
}

/** One embedded row as a flat record of column values. Objects in metadata become JSON text. */
export function flattenRow(row: EmbeddedRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    index: row.index,
    id: row.id,
    path: row.path,
    label: row.label,
    duration_sec: row.durationSec,
    sample_rate: row.sampleRate,
    channels: row.channels,
    windows: row.windows,
  };
  if (row.prediction !== undefined) {
    out.prediction = row.prediction;
    out.prediction_score = row.predictionScore ?? null;
  }
  for (const [k, v] of Object.entries(row.metadata)) {
    out[metadataColumn(k)] = v !== null && typeof v === "object" ? JSON.stringify(v) : v;
  }
  return out;
}

/** The common type of two column types: integers widen to floats, anything else to text. */
function widen(a: ColumnType, b: ColumnType): ColumnType {
  if (a === b) return a;
  const numeric = new Set<ColumnType>(["int32", "int64", "float64"]);
  if (numeric.has(a) && numeric.has(b))
    return a === "float64" || b === "float64" ? "float64" : "int64";
  return "string";
}

/**
 * Accumulates metadata column types over many records: all integers → int64, numbers with a
 * fraction among them → float64, all booleans → bool, anything else → string. A type the
 * source declares (`declared`, by output column name; e.g. a Parquet DOUBLE column whose
 * values happen to be whole) wins over the values. Keys keep the order they were first seen.
 */
export class SchemaBuilder {
  private readonly types = new Map<string, ColumnType | "null">();

  constructor(private readonly declared: Readonly<Record<string, ColumnType>> = {}) {}

  /** Looks at one flattened record. */
  add(record: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(record)) {
      if (FIXED_COLUMNS.some((c) => c.name === k)) continue;
      const declared = this.declared[k];
      if (declared !== undefined) {
        this.types.set(k, declared);
        continue;
      }
      const t: ColumnType | "null" =
        v === null || v === undefined
          ? "null"
          : typeof v === "number"
            ? Number.isInteger(v)
              ? "int64"
              : "float64"
            : typeof v === "boolean"
              ? "bool"
              : "string";
      const prev = this.types.get(k);
      if (prev === undefined || prev === "null") this.types.set(k, t);
      else if (t !== "null") this.types.set(k, widen(prev, t));
    }
  }

  /** Adds the columns of an existing schema (for merging). */
  addColumns(columns: ColumnSpec[]): void {
    for (const c of columns) {
      if (FIXED_COLUMNS.some((f) => f.name === c.name)) continue;
      const prev = this.types.get(c.name);
      this.types.set(c.name, prev === undefined || prev === "null" ? c.type : widen(prev, c.type));
    }
  }

  /** The fixed columns followed by the metadata columns. */
  columns(): ColumnSpec[] {
    const meta = [...this.types].map(
      ([name, t]) => ({ name, type: t === "null" ? "string" : t }) as ColumnSpec,
    );
    return [...FIXED_COLUMNS, ...meta];
  }
}

/** A value converted to a column's type (null stays null). */
export function coerce(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "string":
      return typeof value === "string" ? value : JSON.stringify(value);
    case "bool":
      return Boolean(value);
    default:
      return Number(value);
  }
}
