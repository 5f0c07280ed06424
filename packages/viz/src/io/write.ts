import { writeFile } from "node:fs/promises";
import type { Vector } from "apache-arrow";
import type { MetaType, MetaValue } from "./table.js";

/** A table to write: float32 numeric columns first, then metadata columns. */
export interface OutputTable {
  /** Numeric columns (for example x, y, z) written as float32. */
  numeric: Record<string, Float32Array | Int32Array>;
  /** Metadata columns, in Parquet of the type `metaTypes` gives them. */
  meta?: Record<string, MetaValue[]>;
  /**
   * Stored types of metadata columns (`DataTable.metaTypes` of the source, so a layout keeps
   * the source's types). A column without one is float64 when it holds numbers only, else text.
   */
  metaTypes?: Record<string, MetaType>;
}

/** Writes `table` as Parquet (`.parquet`) or CSV (anything else), chosen by the extension. */
export async function writeTable(path: string, table: OutputTable): Promise<void> {
  if (path.toLowerCase().endsWith(".parquet")) await writeParquet(path, table);
  else await writeFile(path, toCsv(table));
}

/** Serialises `table` as RFC 4180 CSV with a header row. */
export function toCsv(table: OutputTable): string {
  const names = [...Object.keys(table.numeric), ...Object.keys(table.meta ?? {})];
  const cols: ArrayLike<MetaValue | number>[] = [
    ...Object.values(table.numeric),
    ...Object.values(table.meta ?? {}),
  ];
  const n = cols[0]?.length ?? 0;
  const lines = [names.map(csvCell).join(",")];
  for (let i = 0; i < n; i++) lines.push(cols.map((c) => csvCell(c[i] ?? null)).join(","));
  return `${lines.join("\n")}\n`;
}

function csvCell(v: MetaValue | number): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function writeParquet(path: string, table: OutputTable): Promise<void> {
  const arrow = await import("apache-arrow");
  const pq = await import("parquet-wasm");
  const vectors: Record<string, Vector> = {};
  for (const [name, col] of Object.entries(table.numeric)) vectors[name] = arrow.makeVector(col);
  for (const [name, col] of Object.entries(table.meta ?? {}))
    vectors[name] = metaVector(arrow, col, table.metaTypes?.[name] ?? guessType(col));
  const t = new arrow.Table(vectors);
  const bytes = pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(t, "stream")));
  await writeFile(path, bytes);
}

/** float64 for a column of numbers (at least one), text otherwise, an all-null column too. */
function guessType(col: MetaValue[]): MetaType {
  let numbers = 0;
  for (const v of col) {
    if (typeof v === "number") numbers++;
    else if (v !== null) return "string";
  }
  return numbers > 0 ? "float64" : "string";
}

function metaVector(
  arrow: typeof import("apache-arrow"),
  col: MetaValue[],
  type: MetaType,
): Vector {
  const num = (v: MetaValue) => (v === null || v === "" ? null : Number(v));
  switch (type) {
    case "int32":
      return arrow.vectorFromArray(col.map(num), new arrow.Int32());
    case "int64":
      return arrow.vectorFromArray(
        col.map((v) => {
          const x = num(v);
          return x === null ? null : BigInt(Math.trunc(x));
        }),
        new arrow.Int64(),
      );
    case "float64":
      return arrow.vectorFromArray(col.map(num), new arrow.Float64());
    case "bool":
      return arrow.vectorFromArray(
        col.map((v) => (v === null ? null : v === "true" || v === 1)),
        new arrow.Bool(),
      );
    default:
      return arrow.vectorFromArray(
        col.map((v) => (v === null ? null : String(v))),
        new arrow.Utf8(),
      );
  }
}
