import { writeFile } from "node:fs/promises";
import type { Vector } from "apache-arrow";
import type { MetaValue } from "./table.js";

/** A table to write: float32 numeric columns first, then metadata columns. */
export interface OutputTable {
  /** Numeric columns (for example x, y, z) written as float32. */
  numeric: Record<string, Float32Array | Int32Array>;
  /** Metadata columns; all-number columns are written as float64, the rest as text. */
  meta?: Record<string, MetaValue[]>;
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
  for (const [name, col] of Object.entries(table.meta ?? {})) {
    const numeric = col.every((v) => v === null || typeof v === "number");
    vectors[name] = numeric
      ? arrow.vectorFromArray(col as (number | null)[], new arrow.Float64())
      : arrow.vectorFromArray(
          col.map((v) => (v === null ? null : String(v))),
          new arrow.Utf8(),
        );
  }
  const t = new arrow.Table(vectors);
  const bytes = pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(t, "stream")));
  await writeFile(path, bytes);
}
