/**
 * Parquet output, written row group by row group: each `RowBatch` becomes an Arrow record batch
 * that parquet-wasm serialises as it arrives, so memory holds one batch, not the file.
 * `embedding` is a FixedSizeList<float32>[dim] column; `frames`, when present, is a
 * List<FixedSizeList<float32>[framesDim]>.
 */
import { createWriteStream, openAsBlob } from "node:fs";
import { Writable } from "node:stream";
import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm/node";
import { writeAtomic } from "./atomic.js";
import {
  type ColumnSpec,
  type ColumnType,
  coerce,
  type OutputSchema,
  type RowBatch,
} from "./columns.js";

function arrowType(type: ColumnType): arrow.DataType {
  switch (type) {
    case "int64":
      return new arrow.Int64();
    case "int32":
      return new arrow.Int32();
    case "float64":
      return new arrow.Float64();
    case "bool":
      return new arrow.Bool();
    default:
      return new arrow.Utf8();
  }
}

function scalarVector(c: ColumnSpec, records: Record<string, unknown>[]): arrow.Vector {
  const values = records.map((r) => coerce(r[c.name], c.type));
  if (c.type === "int64") {
    return arrow.vectorFromArray(
      values.map((v) => (v === null ? null : BigInt(v as number))),
      new arrow.Int64(),
    );
  }
  return arrow.vectorFromArray(values, arrowType(c.type) as never);
}

function fixedList(data: Float32Array, rows: number, dim: number): arrow.Data {
  const child = arrow.makeData({ type: new arrow.Float32(), length: rows * dim, data });
  const type = new arrow.FixedSizeList(dim, new arrow.Field("item", new arrow.Float32(), false));
  return arrow.makeData({ type, length: rows, nullCount: 0, child });
}

/** Builds the Arrow table for one batch. */
export function batchToArrow(schema: OutputSchema, batch: RowBatch): arrow.Table {
  const n = batch.records.length;
  const columns: Record<string, arrow.Vector> = {};
  for (const c of schema.columns) columns[c.name] = scalarVector(c, batch.records);
  columns.embedding = arrow.makeVector(fixedList(batch.embeddings, n, schema.dim));
  if (schema.framesDim !== undefined) {
    const dim = schema.framesDim;
    const counts = batch.frames?.counts ?? new Int32Array(n);
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = (offsets[i] as number) + (counts[i] as number);
    const total = offsets[n] as number;
    const inner = fixedList(batch.frames?.data ?? new Float32Array(0), total, dim);
    const type = new arrow.List(new arrow.Field("item", inner.type, false));
    columns.frames = arrow.makeVector(
      arrow.makeData({ type, length: n, nullCount: 0, valueOffsets: offsets, child: inner }),
    );
  }
  return new arrow.Table(columns);
}

/**
 * Writes batches to a Parquet file at `path`, atomically (temp file + rename). Rows are
 * flushed as row groups of `rowGroupRows` (default 8192, or 256 with frames), which bounds
 * the writer's memory. Compression: snappy (read by every Parquet reader). `metadata` goes into
 * the file's key-value metadata.
 */
export async function writeParquet(
  path: string,
  schema: OutputSchema,
  batches: AsyncIterable<RowBatch>,
  options: { rowGroupRows?: number; metadata?: Record<string, string> } = {},
): Promise<number> {
  let rows = 0;
  let groups = 0;
  // An error from the batch source surfaces from parquet-wasm as an opaque message; keep it.
  let sourceError: unknown;
  await writeAtomic(path, async (tmp) => {
    const iterator = batches[Symbol.asyncIterator]();
    const source = new ReadableStream({
      // Each pull must enqueue or close: a pull that returns with neither is never followed by
      // another, and the writer then waits forever (a chunk whose records all failed is an empty
      // batch). So empty batches are skipped here, in a loop.
      async pull(controller) {
        for (;;) {
          let next: IteratorResult<RowBatch>;
          try {
            next = await iterator.next();
          } catch (err) {
            sourceError = err;
            throw err;
          }
          if (next.done && groups > 0) {
            controller.close();
            return;
          }
          // An empty output still gets one empty row group, so readers see its schema.
          const batch = next.done
            ? { records: [], embeddings: new Float32Array(0), dim: schema.dim }
            : next.value;
          if (batch.records.length === 0 && !next.done) continue;
          groups++;
          rows += batch.records.length;
          const ipc = arrow.tableToIPC(batchToArrow(schema, batch), "stream");
          const table = pq.Table.fromIPCStream(ipc);
          for (const rb of table.recordBatches()) controller.enqueue(rb);
          return;
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    let builder = new pq.WriterPropertiesBuilder()
      .setCompression(pq.Compression.SNAPPY)
      .setCreatedBy("audiomap")
      .setMaxRowGroupSize(options.rowGroupRows ?? (schema.framesDim === undefined ? 8192 : 256));
    if (options.metadata)
      builder = builder.setKeyValueMetadata(new Map(Object.entries(options.metadata)));
    const props = builder.build();
    try {
      const bytes = await pq.transformParquetStream(source, props);
      await bytes.pipeTo(Writable.toWeb(createWriteStream(tmp)) as WritableStream);
    } catch (err) {
      throw sourceError ?? err;
    }
  });
  return rows;
}

function toColumnType(t: arrow.DataType): ColumnType {
  if (arrow.DataType.isInt(t)) return t.bitWidth === 64 ? "int64" : "int32";
  if (arrow.DataType.isFloat(t)) return "float64";
  if (arrow.DataType.isBool(t)) return "bool";
  return "string";
}

/** Converts an Arrow table in the output layout back to a `RowBatch`. */
export function arrowToBatch(table: arrow.Table): { schema: OutputSchema; batch: RowBatch } {
  const columns: ColumnSpec[] = [];
  let dim = 0;
  let framesDim: number | undefined;
  for (const f of table.schema.fields) {
    if (f.name === "embedding") dim = (f.type as arrow.FixedSizeList).listSize;
    else if (f.name === "frames")
      framesDim = ((f.type as arrow.List).children[0] as arrow.Field<arrow.FixedSizeList>).type
        .listSize;
    else columns.push({ name: f.name, type: toColumnType(f.type) });
  }
  const n = table.numRows;
  const records: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  for (const c of columns) {
    const col = table.getChild(c.name);
    for (let i = 0; i < n; i++) {
      const v = col?.get(i);
      (records[i] as Record<string, unknown>)[c.name] =
        typeof v === "bigint" ? Number(v) : (v ?? null);
    }
  }
  const embeddings = new Float32Array(n * dim);
  const emb = table.getChild("embedding");
  let o = 0;
  for (const chunk of emb?.data ?? []) {
    const child = chunk.children[0] as arrow.Data<arrow.Float32>;
    const values = (child.values as Float32Array).subarray(
      (chunk.offset + child.offset) * dim,
      (chunk.offset + child.offset + chunk.length) * dim,
    );
    embeddings.set(values, o);
    o += values.length;
  }
  const batch: RowBatch = { records, embeddings, dim };
  if (framesDim !== undefined) {
    const fr = table.getChild("frames");
    const counts = new Int32Array(n);
    const parts: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const v = fr?.get(i) as arrow.Vector | null;
      counts[i] = v?.length ?? 0;
      for (let t = 0; t < (v?.length ?? 0); t++)
        parts.push(Float32Array.from(v?.get(t) as Iterable<number>));
    }
    const data = new Float32Array(parts.length * framesDim);
    parts.forEach((p, k) => {
      data.set(p, k * framesDim);
    });
    batch.frames = { data, counts, dim: framesDim };
  }
  return { schema: { columns, dim, framesDim }, batch };
}

/** Reads a Parquet output back one row group at a time. */
export async function* readParquet(
  path: string,
): AsyncGenerator<{ schema: OutputSchema; batch: RowBatch }> {
  const file = await pq.ParquetFile.fromFile(await openAsBlob(path));
  try {
    const groups = file.metadata().numRowGroups();
    for (let g = 0; g < groups; g++) {
      const table = await file.read({ rowGroups: [g] });
      yield arrowToBatch(arrow.tableFromIPC(table.intoIPCStream()));
    }
  } finally {
    file.free();
  }
}
