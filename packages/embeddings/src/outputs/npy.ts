/**
 * `.npy` + `.jsonl` output: the embeddings as one float32 [rows, dim] array that numpy loads
 * with `np.load`, and the other columns as one JSON object per line, in the same order.
 *
 * The .npy header holds the row count, which is unknown until the end: the header is written
 * with room for any count and rewritten in place when the file is finalised (NPY format 1.0:
 * magic, version, little-endian header length, a Python dict literal padded with spaces to a
 * multiple of 64 bytes, then the data).
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { writeAtomic } from "./atomic.js";
import type { OutputSchema, RowBatch } from "./columns.js";

const HEADER_BYTES = 128;

/** The 128-byte NPY 1.0 header for a little-endian float32 [rows, dim] C-order array. */
export function npyHeader(rows: number, dim: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const body = dict.padEnd(HEADER_BYTES - 10 - 1, " ") + "\n";
  const out = new Uint8Array(HEADER_BYTES);
  out.set([0x93, ...Buffer.from("NUMPY"), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, body.length, true);
  out.set(Buffer.from(body, "latin1"), 10);
  return out;
}

/** The metadata file that goes with an .npy output: `x.npy` → `x.jsonl`. */
export function jsonlPathFor(npyPath: string): string {
  return npyPath.replace(/\.npy$/, "") + ".jsonl";
}

function asBytes(f: Float32Array): Uint8Array {
  return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
}

/**
 * Writes batches to `path` (.npy) and its .jsonl sibling, each atomically. Frames are not
 * supported in this format (use Parquet).
 */
export async function writeNpy(
  path: string,
  schema: OutputSchema,
  batches: AsyncIterable<RowBatch>,
): Promise<number> {
  if (schema.framesDim !== undefined) {
    throw Object.assign(new Error("frame-level output needs --format parquet"), {
      code: "ERR_FORMAT",
    });
  }
  let rows = 0;
  await writeAtomic(jsonlPathFor(path), async (jsonTmp) => {
    await writeAtomic(path, async (tmp) => {
      const npy = await open(tmp, "w");
      const json = await open(jsonTmp, "w");
      try {
        await npy.write(npyHeader(0, schema.dim), 0, HEADER_BYTES, 0);
        let offset = HEADER_BYTES;
        for await (const b of batches) {
          const bytes = asBytes(b.embeddings);
          await npy.write(bytes, 0, bytes.length, offset);
          offset += bytes.length;
          rows += b.records.length;
          const lines = b.records.map((r) => `${JSON.stringify(pick(r, schema))}\n`).join("");
          await json.write(lines);
        }
        await npy.write(npyHeader(rows, schema.dim), 0, HEADER_BYTES, 0);
      } finally {
        await npy.close();
        await json.close();
      }
    });
  });
  return rows;
}

function pick(record: Record<string, unknown>, schema: OutputSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of schema.columns) out[c.name] = record[c.name] ?? null;
  return out;
}

/** Parses the shape out of an .npy header (float32, C order only). */
export function parseNpyHeader(head: Uint8Array): {
  rows: number;
  dim: number;
  dataOffset: number;
} {
  const len = new DataView(head.buffer, head.byteOffset).getUint16(8, true);
  const text = Buffer.from(head.subarray(10, 10 + len)).toString("latin1");
  const m = /'shape': \((\d+), (\d+)\)/.exec(text);
  if (!m || !text.includes("'<f4'") || text.includes("'fortran_order': True")) {
    throw Object.assign(new Error(`unsupported .npy header: ${text.trim()}`), {
      code: "ERR_FORMAT",
    });
  }
  return { rows: Number(m[1]), dim: Number(m[2]), dataOffset: 10 + len };
}

/** Reads an .npy + .jsonl output back in batches of up to `batchRows` rows. */
export async function* readNpy(
  path: string,
  batchRows = 4096,
): AsyncGenerator<{ schema: OutputSchema; batch: RowBatch }> {
  const fh = await open(path, "r");
  try {
    const head = new Uint8Array(HEADER_BYTES);
    await fh.read(head, 0, HEADER_BYTES, 0);
    const { rows, dim, dataOffset } = parseNpyHeader(head);
    const lines = createInterface({
      input: createReadStream(jsonlPathFor(path)),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let records: Record<string, unknown>[] = [];
    let done = 0;
    const flush = async () => {
      const embeddings = new Float32Array(records.length * dim);
      await fh.read(asBytes(embeddings), 0, embeddings.byteLength, dataOffset + done * dim * 4);
      done += records.length;
      const columns = Object.keys(records[0] ?? {}).map((name) => ({
        name,
        type: typeof records[0]?.[name] === "number" ? ("float64" as const) : ("string" as const),
      }));
      const out = { schema: { columns, dim }, batch: { records, embeddings, dim } };
      records = [];
      return out;
    };
    for await (const line of lines) {
      if (!line) continue;
      records.push(JSON.parse(line) as Record<string, unknown>);
      if (records.length >= batchRows) yield await flush();
    }
    if (records.length > 0) yield await flush();
    if (done !== rows) {
      throw Object.assign(new Error(`${path} has ${rows} rows but its .jsonl has ${done}`), {
        code: "ERR_FORMAT",
      });
    }
  } finally {
    await fh.close();
  }
}
