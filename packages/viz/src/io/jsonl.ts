import { readFile } from "node:fs/promises";
import { buildGenericTable, type ColumnOptions } from "./columns.js";
import { type DataTable, type MetaValue, TableError } from "./table.js";

/**
 * Reads a JSON Lines table: one object per line. An `embedding` array (audiomap's JSON Lines
 * output) is the vector; otherwise the numeric fields are, as for CSV (see `buildGenericTable`).
 * Scalar fields become metadata; nested values are kept as their JSON text.
 * @example const t = await readJsonlTable("emb.jsonl");
 */
export async function readJsonlTable(
  path: string,
  options: ColumnOptions = {},
): Promise<DataTable> {
  const lines = (await readFile(path, "utf8")).split("\n").filter((l) => l.trim());
  if (lines.length === 0) throw new TableError(`${path}: no data rows`, "TABLE_FORMAT");
  const columns: Record<string, MetaValue[]> = {};
  const cell = (name: string, i: number, v: MetaValue) => {
    columns[name] ??= new Array<MetaValue>(lines.length).fill(null);
    columns[name]![i] = v;
  };
  lines.forEach((line, i) => {
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new TableError(`${path}:${i + 1}: ${(err as Error).message}`, "TABLE_FORMAT");
    }
    for (const [name, v] of Object.entries(row)) {
      if (name === "embedding" && Array.isArray(v))
        v.forEach((x, j) => {
          cell(`embedding_${j}`, i, typeof x === "number" ? x : null);
        });
      else if (v === null || typeof v === "string" || typeof v === "number") cell(name, i, v);
      else cell(name, i, JSON.stringify(v));
    }
  });
  return buildGenericTable(columns, lines.length, options);
}
