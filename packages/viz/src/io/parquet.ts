import { readFile } from "node:fs/promises";
import type * as Arrow from "apache-arrow";
import { buildGenericTable, type ColumnOptions } from "./columns.js";
import { type DataTable, type MetaType, type MetaValue, TableError } from "./table.js";

// Arrow's type ids (apache-arrow's Type enum), compared directly so that tables made by another
// copy of apache-arrow (LanceDB's CommonJS one) are recognised too.
const ARROW_LIST = 12;
const ARROW_FIXED_SIZE_LIST = 16;

/** Options for `readParquetTable`. */
export interface ParquetReadOptions extends ColumnOptions {
  /**
   * The list column holding the vectors. Default: a column named `embedding`, else the first
   * FixedSizeList/List column of numbers; with none, the numeric columns (see ColumnOptions).
   */
  vectorColumn?: string;
}

/**
 * Reads a Parquet table: audiomap's own output (a FixedSizeList<float32> embedding column plus
 * metadata columns) or any table of numeric columns with a label column.
 */
export async function readParquetTable(
  path: string,
  options: ParquetReadOptions = {},
): Promise<DataTable> {
  const arrow = await import("apache-arrow");
  const pq = await import("parquet-wasm");
  const bytes = new Uint8Array(await readFile(path));
  let table: Arrow.Table;
  try {
    table = arrow.tableFromIPC(pq.readParquet(bytes).intoIPCStream());
  } catch (err) {
    throw new TableError(`${path}: not a readable Parquet file (${err})`, "TABLE_FORMAT");
  }
  return tableFromArrow(table, path, options);
}

/**
 * A DataTable from an Arrow table (read from Parquet, LanceDB or IPC): the vector column as
 * `ParquetReadOptions.vectorColumn` says, the other columns as metadata.
 */
export function tableFromArrow(
  table: Arrow.Table,
  path: string,
  options: ParquetReadOptions = {},
): DataTable {
  const isList = (f: Arrow.Field) => {
    const id = f.type.typeId;
    return id === ARROW_LIST || id === ARROW_FIXED_SIZE_LIST;
  };
  const fields = table.schema.fields;
  const vecField = options.vectorColumn
    ? fields.find((f) => f.name === options.vectorColumn)
    : (fields.find((f) => f.name === "embedding" && isList(f)) ?? fields.find(isList));
  if (options.vectorColumn && !vecField)
    throw new TableError(`${path}: no column "${options.vectorColumn}"`, "TABLE_COLUMN");

  const n = table.numRows;
  const columns: Record<string, MetaValue[]> = {};
  const types: Record<string, MetaType> = {};
  for (const f of fields) {
    if (f === vecField) continue;
    columns[f.name] = columnCells(table.getChild(f.name)!, n);
    types[f.name] = metaTypeOf(f.type);
  }
  if (!vecField) {
    const t = buildGenericTable(columns, n, options);
    return { ...t, metaTypes: pick(types, Object.keys(t.meta)) };
  }

  const col = table.getChild(vecField.name)!;
  const first = n > 0 ? col.get(0) : null;
  const dim = first ? (first as Arrow.Vector).length : 0;
  const vectors = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const row = col.get(i) as Arrow.Vector | null;
    if (!row || row.length !== dim)
      throw new TableError(
        `${path}: row ${i} of "${vecField.name}" has ${row ? row.length : "no"} values, expected ${dim}`,
        "TABLE_SHAPE",
      );
    vectors.set(row.toArray() as ArrayLike<number>, i * dim);
  }
  return { vectors, n, dim, vectorColumns: [vecField.name], meta: columns, metaTypes: types };
}

// Arrow type ids (apache-arrow's Type enum) of the scalar types a column keeps.
const ARROW_INT = 2;
const ARROW_FLOAT = 3;
const ARROW_BOOL = 6;

/** The stored type of an Arrow column, as `writeTable` writes it back. */
function metaTypeOf(type: Arrow.DataType): MetaType {
  const t = type as Arrow.DataType & { bitWidth?: number };
  if (t.typeId === ARROW_INT) return t.bitWidth === 64 ? "int64" : "int32";
  if (t.typeId === ARROW_FLOAT) return "float64";
  if (t.typeId === ARROW_BOOL) return "bool";
  return "string";
}

function pick<T>(o: Record<string, T>, keys: string[]): Record<string, T> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k] as T]));
}

function columnCells(vec: Arrow.Vector, n: number): MetaValue[] {
  const out = new Array<MetaValue>(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = vec.get(i);
    if (v === null || v === undefined) out[i] = null;
    else if (typeof v === "number" || typeof v === "string") out[i] = v;
    else if (typeof v === "bigint") out[i] = Number(v);
    else if (typeof v === "boolean") out[i] = String(v);
    else out[i] = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x));
  }
  return out;
}
