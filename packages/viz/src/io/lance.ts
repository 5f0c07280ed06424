import { createRequire } from "node:module";
import { basename, dirname, resolve } from "node:path";
import type * as Arrow from "apache-arrow";
import { type ParquetReadOptions, tableFromArrow } from "./parquet.js";
import { type DataTable, TableError } from "./table.js";

/**
 * Reads a LanceDB table, as `audiomap embed -o db/clips.lance` writes it (the table `clips` in
 * the database folder `db`), through the optional dependency @lancedb/lancedb.
 * @example const t = await readLanceTable("db/clips.lance");
 */
export async function readLanceTable(
  path: string,
  options: ParquetReadOptions = {},
): Promise<DataTable> {
  let lance: typeof import("@lancedb/lancedb");
  process.env.LANCEDB_LOG ??= "error"; // as @audiomap/embeddings does: no Rust warnings on stderr
  try {
    lance = await import("@lancedb/lancedb");
  } catch (err) {
    throw new TableError(
      `${path}: reading LanceDB tables needs the optional dependency @lancedb/lancedb 0.31.0 (${(err as Error).message})`,
      "TABLE_FORMAT",
    );
  }
  const abs = resolve(path);
  const name = basename(abs).replace(/\.lance$/, "");
  const conn = await lance.connect(dirname(abs));
  try {
    if (!(await conn.tableNames()).includes(name))
      throw new TableError(
        `${path}: no LanceDB table "${name}" in ${dirname(abs)}`,
        "TABLE_FORMAT",
      );
    const table = await conn.openTable(name);
    try {
      // LanceDB returns a table of its own (CommonJS) apache-arrow; it crosses to this package's
      // copy as IPC bytes.
      const cjs = createRequire(import.meta.url)("apache-arrow") as typeof Arrow;
      const arrow = await import("apache-arrow");
      const rows = (await table.query().toArrow()) as unknown as Arrow.Table;
      return tableFromArrow(arrow.tableFromIPC(cjs.tableToIPC(rows, "stream")), path, options);
    } finally {
      table.close();
    }
  } finally {
    conn.close();
  }
}
