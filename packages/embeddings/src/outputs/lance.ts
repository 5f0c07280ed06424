/**
 * LanceDB output (optional dependency, imported only when used). `-o db/clips.lance` makes the
 * table `clips` in the database folder `db`. The table is built under a temporary name and its
 * folder renamed into place when complete.
 */
import { readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { OutputSchema, RowBatch } from "./columns.js";
import { batchToArrow } from "./parquet.js";

type LanceModule = typeof import("@lancedb/lancedb");

/** Loads @lancedb/lancedb, or explains how to get it. */
export async function loadLance(): Promise<LanceModule> {
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

/** Writes batches into a new LanceDB table, replacing any table of that name when done. */
export async function writeLance(
  path: string,
  schema: OutputSchema,
  batches: AsyncIterable<RowBatch>,
): Promise<number> {
  const lance = await loadLance();
  const { db, table } = lanceLocation(path);
  const tmpName = `_${table}_tmp_${process.pid}`;
  const conn = await lance.connect(db);
  let rows = 0;
  let t: Awaited<ReturnType<typeof conn.createTable>> | undefined;
  try {
    for await (const b of batches) {
      if (b.records.length === 0) continue;
      const data = batchToArrow(schema, b);
      if (!t) t = await conn.createTable(tmpName, data as never, { mode: "overwrite" });
      else await t.add(data as never);
      rows += b.records.length;
    }
    if (!t)
      t = await conn.createTable(
        tmpName,
        batchToArrow(schema, {
          records: [],
          embeddings: new Float32Array(0),
          dim: schema.dim,
        }) as never,
        { mode: "overwrite" },
      );
    t.close();
    conn.close();
    const final = join(db, `${table}.lance`);
    await rm(final, { recursive: true, force: true });
    await rename(join(db, `${tmpName}.lance`), final);
  } catch (err) {
    await rm(join(db, `${tmpName}.lance`), { recursive: true, force: true });
    throw err;
  }
  return rows;
}

/** One search hit. */
export interface Neighbour {
  id: string;
  path: string | null;
  label: string | null;
  distance: number;
  record: Record<string, unknown>;
}

/** The `k` rows nearest `vector` (L2 distance, or cosine when `metric` says so). */
export async function searchLance(
  path: string,
  vector: Float32Array,
  options: { k?: number; metric?: "l2" | "cosine" } = {},
): Promise<Neighbour[]> {
  const lance = await loadLance();
  const { db, table } = lanceLocation(path);
  const names = await readdir(db).catch(() => [] as string[]);
  if (!names.includes(`${table}.lance`)) {
    throw Object.assign(new Error(`no LanceDB table at ${path}`), { code: "ERR_NOT_FOUND" });
  }
  const conn = await lance.connect(db);
  const t = await conn.openTable(table);
  try {
    const rows = (await t
      .vectorSearch(Array.from(vector))
      .column("embedding")
      .distanceType(options.metric ?? "l2")
      .limit(options.k ?? 10)
      .toArray()) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: String(r.id),
      path: (r.path as string | null) ?? null,
      label: (r.label as string | null) ?? null,
      distance: Number(r._distance),
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
