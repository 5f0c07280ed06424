import { access, readFile } from "node:fs/promises";
import { type DataTable, type MetaValue, TableError } from "./table.js";

/** A parsed .npy array, always converted to float32. */
export interface NpyArray {
  data: Float32Array;
  shape: number[];
}

const DTYPES: Record<string, (buf: ArrayBuffer, off: number, n: number) => ArrayLike<number>> = {
  "<f4": (b, o, n) => new Float32Array(b, o, n),
  "<f8": (b, o, n) => new Float64Array(b, o, n),
  "<f2": (b, o, n) => {
    const h = new Uint16Array(b, o, n);
    return Float32Array.from(h, halfToFloat);
  },
  "<i4": (b, o, n) => new Int32Array(b, o, n),
  "<i8": (b, o, n) => Float64Array.from(new BigInt64Array(b, o, n), Number),
  "<i2": (b, o, n) => new Int16Array(b, o, n),
  "|u1": (b, o, n) => new Uint8Array(b, o, n),
  "|i1": (b, o, n) => new Int8Array(b, o, n),
};

/** Parses NumPy's .npy format (v1–v3), C order, little-endian numeric dtypes. */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== "\x93NUMPY") throw new TableError("not a .npy file", "TABLE_FORMAT");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new TableError("bad .npy header", "TABLE_FORMAT");
  if (fortran) throw new TableError(".npy in Fortran order is not supported", "TABLE_FORMAT");
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const make = DTYPES[descr.replace("=", "<")];
  if (!make) throw new TableError(`.npy dtype ${descr} is not supported`, "TABLE_FORMAT");
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLen;
  // Copy to an aligned buffer: the data offset need not be a multiple of the element size.
  const body = bytes.slice(offset);
  const values = make(body.buffer, 0, count);
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return { data, shape };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Reads an `[n, dim]` .npy matrix and, when present, its sibling metadata file
 * (`x.npy` → `x.jsonl`, one JSON object per row, keys become metadata columns).
 */
export async function readNpyTable(path: string): Promise<DataTable> {
  const { data, shape } = parseNpy(new Uint8Array(await readFile(path)));
  if (shape.length !== 2)
    throw new TableError(`${path}: expected a 2-D array, got shape [${shape}]`, "TABLE_SHAPE");
  const [n, dim] = shape as [number, number];
  const meta: Record<string, MetaValue[]> = {};
  const jsonl = path.replace(/\.npy$/i, ".jsonl");
  if (jsonl !== path && (await exists(jsonl))) {
    const lines = (await readFile(jsonl, "utf8")).split("\n").filter((l) => l.trim() !== "");
    if (lines.length !== n)
      throw new TableError(`${jsonl}: ${lines.length} rows, but the .npy has ${n}`, "TABLE_SHAPE");
    lines.forEach((line, i) => {
      const obj = JSON.parse(line) as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) {
        meta[k] ??= new Array<MetaValue>(n).fill(null);
        meta[k]![i] = toCell(v);
      }
    });
  }
  return { vectors: data, n, dim, vectorColumns: ["npy"], meta };
}

function toCell(v: unknown): MetaValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
