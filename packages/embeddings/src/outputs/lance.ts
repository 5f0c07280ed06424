/**
 * LanceDB output (optional dependency, imported only when used). `-o db/clips.lance` makes the
 * table `clips` in the database folder `db`.
 */
import { createRequire } from "node:module";
import { basename, dirname, resolve } from "node:path";
import * as arrow from "apache-arrow";
import type { OutputSchema, RowBatch } from "./columns.js";
import { batchToArrow } from "./parquet.js";

type LanceModule = typeof import("@lancedb/lancedb");

/**
 * @lancedb/lancedb is CommonJS and checks `instanceof Table` against the CommonJS build of
 * apache-arrow, while this package uses the ES module build: two copies of the classes. Tables
 * cross over as Arrow IPC bytes, re-read by the CommonJS copy.
 */
function toLanceArrow(table: arrow.Table): unknown {
  const cjs = createRequire(import.meta.url)("apache-arrow") as typeof arrow;
  return cjs.tableFromIPC(arrow.tableToIPC(table, "stream"));
}

/** Loads @lancedb/lancedb, or explains how to get it. */
export async function loadLance(): Promise<LanceModule> {
  // LanceDB's Rust logger prints warnings such as "No existing dataset ... it will be created"
  // on stderr, through -q and --json alike; errors only, unless the user set LANCEDB_LOG.
  process.env.LANCEDB_LOG ??= "error";
  try {
    return await import("@lancedb/lancedb");
  } catch (err) {
    throw Object.assign(
      new Error(
        `LanceDB output needs the optional dependency @lancedb/lancedb 0.31.0 (${(err as Error).message})`,
      ),
      { code: "ERR_LANCE_MISSING" },
    );
  }
}

/** Database folder and table name of a `.lance` output path. */
export function lanceLocation(path: string): { db: string; table: string } {
  const abs = resolve(path);
  return { db: dirname(abs), table: basename(abs).replace(/\.lance$/, "") };
}

/**
 * Writes batches into the LanceDB table, replacing any table of that name. LanceDB has no
 * atomic table rename, so the table is written in place (each `add` is one atomic Lance
 * commit); the run's staging folder, removed only after this returns, is what marks the output
 * complete, and `--resume` rebuilds the table from the staged parts.
 */
export async function writeLance(
  path: string,
  schema: OutputSchema,
  batches: AsyncIterable<RowBatch>,
): Promise<number> {
  const lance = await loadLance();
  const { db, table } = lanceLocation(path);
  const conn = await lance.connect(db);
  let rows = 0;
  let t: Awaited<ReturnType<typeof conn.createTable>> | undefined;
  try {
    for await (const b of batches) {
      if (b.records.length === 0) continue;
      const data = toLanceArrow(batchToArrow(schema, b));
      if (!t) t = await conn.createTable(table, data as never, { mode: "overwrite" });
      else await t.add(data as never);
      rows += b.records.length;
    }
    if (!t) {
      const empty = batchToArrow(schema, {
        records: [],
        embeddings: new Float32Array(0),
        dim: schema.dim,
      });
      t = await conn.createTable(table, toLanceArrow(empty) as never, { mode: "overwrite" });
    }
  } finally {
    t?.close();
    conn.close();
  }
  return rows;
}

/** One search hit. */
export interface Neighbour {
  id: string;
  path: string | null;
  label: string | null;
  /** Euclidean distance for `l2`, `1 - cos` for `cosine`. */
  distance: number;
  metric: "l2" | "cosine";
  /**
   * The Lance vector index the search went through (its type, e.g. "IvfPq"), or null when the
   * table has none on `embedding` and LanceDB scanned every row (exact).
   */
  index: string | null;
  record: Record<string, unknown>;
}

/**
 * The `k` rows nearest `vector`. `distance` is the Euclidean distance for `l2` (what
 * `numpy.linalg.norm(a - b)` gives; LanceDB itself ranks by its square) and `1 - cos` for
 * `cosine`.
 */
export async function searchLance(
  path: string,
  vector: Float32Array,
  options: { k?: number; metric?: "l2" | "cosine" } = {},
): Promise<Neighbour[]> {
  const lance = await loadLance();
  const { db, table } = lanceLocation(path);
  const conn = await lance.connect(db);
  if (!(await conn.tableNames()).includes(table)) {
    conn.close();
    throw Object.assign(new Error(`no LanceDB table at ${path}`), { code: "ERR_NOT_FOUND" });
  }
  const t = await conn.openTable(table);
  const metric = options.metric ?? "l2";
  try {
    // vectorSearch uses a vector index on the column when the table has one (approximate) and
    // scans every row otherwise (exact); listIndices says which.
    const index =
      (await t.listIndices()).find(
        (i) => i.columns.includes("embedding") && /pq|sq|flat|rq|hnsw/i.test(i.indexType),
      )?.indexType ?? null;
    const rows = (await t
      .vectorSearch(Array.from(vector))
      .column("embedding")
      .distanceType(metric)
      .limit(options.k ?? 10)
      .toArray()) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: String(r.id),
      path: (r.path as string | null) ?? null,
      label: (r.label as string | null) ?? null,
      // LanceDB's "l2" is the squared distance; the square root is the one users compare.
      distance: metric === "l2" ? Math.sqrt(Math.max(0, Number(r._distance))) : Number(r._distance),
      metric,
      index,
      record: r,
    }));
  } finally {
    t.close();
    conn.close();
  }
}

/** The stored embedding of the row with this id, or undefined. */
export async function lanceEmbeddingOf(
  path: string,
  id: string,
): Promise<Float32Array | undefined> {
  const lance = await loadLance();
  const { db, table } = lanceLocation(path);
  const conn = await lance.connect(db);
  const t = await conn.openTable(table);
  try {
    const rows = (await t
      .query()
      .where(`id = '${id.replaceAll("'", "''")}'`)
      .limit(1)
      .toArray()) as Record<string, unknown>[];
    const v = rows[0]?.embedding as Iterable<number> | undefined;
    return v ? Float32Array.from(v) : undefined;
  } finally {
    t.close();
    conn.close();
  }
}
