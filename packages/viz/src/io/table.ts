/** One metadata cell: text, a number, or missing. */
export type MetaValue = string | number | null;

/**
 * A table of vectors plus per-row metadata, as every reader in `io/` returns it.
 * Vectors are row-major: row `i` is `vectors.subarray(i * dim, (i + 1) * dim)`.
 */
export interface DataTable {
  /** Row-major `n × dim` vectors. */
  vectors: Float32Array;
  /** Number of rows. */
  n: number;
  /** Vector width. */
  dim: number;
  /** Where the vectors came from: the vector column's name, or the numeric columns used. */
  vectorColumns: string[];
  /** Metadata columns by name, each with `n` cells, in file order. */
  meta: Record<string, MetaValue[]>;
  /**
   * The stored type of each metadata column, where the file says it (Parquet, LanceDB), so
   * that a layout or clusters file written from this table keeps it. Absent for CSV/JSON.
   */
  metaTypes?: Record<string, MetaType>;
}

/** A metadata column's stored type. */
export type MetaType = "int32" | "int64" | "float64" | "bool" | "string";

/** Column names that `guessLabelColumn` tries, in order. */
export const LABEL_COLUMN_NAMES = ["label", "labels", "target", "class", "species", "y", "keyword"];

/** A read error with a stable `code`. */
export class TableError extends Error {
  constructor(
    message: string,
    readonly code:
      | "TABLE_FORMAT"
      | "TABLE_NO_VECTORS"
      | "TABLE_COLUMN"
      | "TABLE_SHAPE"
      | "TABLE_NON_FINITE",
  ) {
    super(message);
    this.name = "TableError";
  }
}

/** The first column (case-insensitive) among `names` that the table has, or undefined. */
export function findColumn(
  columns: readonly string[],
  names: readonly string[],
): string | undefined {
  for (const want of names) {
    const hit = columns.find((c) => c.toLowerCase() === want);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** The label column: `explicit` if given (must exist), else the first of LABEL_COLUMN_NAMES. */
export function guessLabelColumn(
  columns: readonly string[],
  explicit?: string,
): string | undefined {
  if (explicit !== undefined) {
    if (!columns.includes(explicit))
      throw new TableError(`no column "${explicit}" (have: ${columns.join(", ")})`, "TABLE_COLUMN");
    return explicit;
  }
  return findColumn(columns, LABEL_COLUMN_NAMES);
}

/** A metadata column as strings (missing cells become ""), or undefined if absent. */
export function metaStrings(table: DataTable, column: string | undefined): string[] | undefined {
  if (column === undefined) return undefined;
  const col = table.meta[column];
  if (!col) return undefined;
  return col.map((v) => (v === null ? "" : String(v)));
}

/** Throws TABLE_NON_FINITE naming the first row with NaN or ±Infinity. */
export function assertFinite(table: DataTable): void {
  const { vectors, dim } = table;
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i]!))
      throw new TableError(
        `row ${Math.floor(i / dim)} has a non-finite value in column ${i % dim}`,
        "TABLE_NON_FINITE",
      );
  }
}
