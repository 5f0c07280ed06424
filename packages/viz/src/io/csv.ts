import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { buildGenericTable, type ColumnOptions, isNumericColumn } from "./columns.js";
import { type DataTable, type MetaValue, TableError } from "./table.js";

/**
 * Reads a CSV/TSV table with a header row. Numeric columns become the vector (see
 * `buildGenericTable`), the rest metadata; numeric metadata cells stay numbers.
 * @example const iris = await readCsvTable("iris.csv", { labelColumn: "species" });
 */
export async function readCsvTable(path: string, options: ColumnOptions = {}): Promise<DataTable> {
  const text = await readFile(path, "utf8");
  const delimiter = path.toLowerCase().endsWith(".tsv") ? "\t" : ",";
  let rows: string[][];
  try {
    rows = parse(text, { delimiter, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new TableError(`${path}: ${(err as Error).message}`, "TABLE_FORMAT");
  }
  const header = rows.shift();
  if (!header || rows.length === 0) throw new TableError(`${path}: no data rows`, "TABLE_FORMAT");
  const columns: Record<string, MetaValue[]> = {};
  header.forEach((name, j) => {
    const raw: MetaValue[] = rows.map((r) => (r[j] === undefined || r[j] === "" ? null : r[j]!));
    columns[name] = isNumericColumn(raw) ? raw.map((v) => (v === null ? null : Number(v))) : raw;
  });
  return buildGenericTable(columns, rows.length, options);
}
