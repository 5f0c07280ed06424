import { type DataTable, guessLabelColumn, type MetaValue, TableError } from "./table.js";

/** How a generic table (CSV, plain Parquet) is split into vector columns and metadata. */
export interface ColumnOptions {
  /** Columns to use as the vector, in order; `[]` reads metadata only. Default: see `buildGenericTable`. */
  features?: string[];
  /** The label column, kept as metadata. Default: the first of LABEL_COLUMN_NAMES present. */
  labelColumn?: string;
}

/** A column of one embedding component, as audiomap's CSV output names them. */
const EMBEDDING_CELL = /^embedding_\d+$/;

/** Numeric columns that describe a row rather than measure it, never used as features. */
const NOT_FEATURES = new Set([
  "id",
  "index",
  "row",
  "cluster",
  "prediction",
  "score",
  "duration",
  "start",
  "end",
  "sample_rate",
  "sampling_rate",
]);

/**
 * Builds a DataTable from named columns of cells. Features are `options.features` if given;
 * else `embedding_0 … embedding_{d-1}` when present (audiomap's CSV and JSON Lines outputs);
 * else `x,y[,z]` when present (a layout file); else every all-numeric column except the label
 * column and row descriptors such as `id` or `cluster`. Every other column becomes metadata.
 */
export function buildGenericTable(
  columns: Record<string, MetaValue[]>,
  n: number,
  options: ColumnOptions = {},
): DataTable {
  const names = Object.keys(columns);
  const label = guessLabelColumn(names, options.labelColumn);
  let features = options.features;
  if (features) {
    for (const f of features)
      if (!(f in columns))
        throw new TableError(
          `no feature column "${f}" (have: ${names.join(", ")})`,
          "TABLE_COLUMN",
        );
  } else if (names.some((c) => EMBEDDING_CELL.test(c))) {
    // audiomap's CSV and JSON Lines embeddings: embedding_0 … embedding_{d-1}, in index order.
    features = names
      .filter((c) => EMBEDDING_CELL.test(c))
      .sort((a, b) => Number(a.slice(10)) - Number(b.slice(10)));
  } else if (names.includes("x") && names.includes("y")) {
    features = names.includes("z") ? ["x", "y", "z"] : ["x", "y"];
  } else {
    features = names.filter(
      (c) => c !== label && !NOT_FEATURES.has(c.toLowerCase()) && isNumericColumn(columns[c]!),
    );
  }
  // An explicit empty feature list reads a metadata-only table (for example a clusters file).
  if (features.length === 0 && !options.features)
    throw new TableError(
      `no numeric feature columns found (columns: ${names.join(", ")})`,
      "TABLE_NO_VECTORS",
    );
  const dim = features.length;
  const vectors = new Float32Array(n * dim);
  features.forEach((f, j) => {
    const col = columns[f]!;
    for (let i = 0; i < n; i++) {
      const v = col[i];
      const num =
        typeof v === "number" ? v : v === null || v === undefined ? Number.NaN : Number(v);
      vectors[i * dim + j] = num;
    }
  });
  const featureSet = new Set(features);
  const meta: Record<string, MetaValue[]> = {};
  for (const c of names) if (!featureSet.has(c)) meta[c] = columns[c]!;
  return { vectors, n, dim, vectorColumns: features, meta };
}

/** True when every non-empty cell is a finite number or a numeric string. */
export function isNumericColumn(cells: readonly MetaValue[]): boolean {
  let seen = 0;
  for (const v of cells) {
    if (v === null || v === "") continue;
    if (typeof v === "number") {
      seen++;
      continue;
    }
    if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return false;
    seen++;
  }
  return seen > 0;
}
