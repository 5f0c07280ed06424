import { readCsvTable } from "./csv.js";
import { readJsonlTable } from "./jsonl.js";
import { readLanceTable } from "./lance.js";
import { readNpyTable } from "./npy.js";
import { type ParquetReadOptions, readParquetTable } from "./parquet.js";
import { type DataTable, TableError } from "./table.js";

/** Options for `readTable`; fields apply to the formats that have them. */
export type ReadTableOptions = ParquetReadOptions;

/**
 * Reads vectors and metadata from `.parquet`, `.npy` (+ sibling `.jsonl`), `.csv`, `.tsv`,
 * `.jsonl` or a LanceDB `.lance` table (every format `audiomap embed` writes), chosen by the
 * extension.
 * @example const t = await readTable("embeddings.parquet"); // t.n rows of t.dim floats
 */
export async function readTable(path: string, options: ReadTableOptions = {}): Promise<DataTable> {
  const lower = path.toLowerCase();
  if (lower.endsWith(".parquet")) return readParquetTable(path, options);
  if (lower.endsWith(".npy")) return readNpyTable(path);
  if (lower.endsWith(".csv") || lower.endsWith(".tsv")) return readCsvTable(path, options);
  if (lower.endsWith(".jsonl")) return readJsonlTable(path, options);
  if (lower.replace(/\/+$/, "").endsWith(".lance")) return readLanceTable(path, options);
  throw new TableError(
    `${path}: unknown table format (expected .parquet, .npy, .csv, .tsv, .jsonl or .lance)`,
    "TABLE_FORMAT",
  );
}
