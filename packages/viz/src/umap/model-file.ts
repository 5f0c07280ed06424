/**
 * UMAP model files: one file that holds a fitted layout, so a layout fitted once (on a sample)
 * can place the rest of a data set shard by shard, in other processes. Layout, little-endian:
 *
 *   bytes 0-11   "AUDIOMAPUMAP"
 *   bytes 12-15  uint32 format version (1)
 *   bytes 16-19  uint32 byte length L of the JSON header
 *   bytes 20-    the JSON header (UTF-8), zero-padded to a multiple of 8 bytes
 *   then         float32 training vectors [nFit, cols], then float32 embedding [nFit, nComponents]
 *
 * The header carries the parameters, the array shapes and a CRC-32 of each array, so a wrong,
 * truncated or corrupt file fails with a clear message instead of giving a wrong layout.
 */
import { open, rename, rm } from "node:fs/promises";
import { crc32 } from "node:zlib";
import type { Metric } from "../knn/knn.js";
import { transformWithState, type UmapModel, type UmapModelState } from "./model.js";

const MAGIC = "AUDIOMAPUMAP";
/** The format version this code writes and the newest it reads. */
export const UMAP_MODEL_VERSION = 1;
const PREFIX = 20;
/** Large arrays are read and written in slices of this size (a read(2) is capped near 2 GiB). */
const SLICE = 1 << 28;

/** A model file that is not one, is from a newer version, or is damaged. */
export class UmapModelFileError extends Error {
  readonly code = "ERR_UMAP_MODEL_FILE";
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = "UmapModelFileError";
  }
}

interface Header {
  version: number;
  nFit: number;
  cols: number;
  nComponents: number;
  nNeighbors: number;
  metric: Metric;
  minDist: number;
  spread: number;
  a: number;
  b: number;
  seed: number;
  nEpochs: number | null;
  crc32: { data: number; embedding: number };
}

/** Wraps a fitted state as a `UmapModel` whose `save` writes this file format. */
export function umapModel(state: UmapModelState): UmapModel {
  return {
    nComponents: state.nComponents,
    cols: state.cols,
    transform: (points, options) => transformWithState(state, points, options),
    save: (path) => writeModel(state, path),
  };
}

/**
 * Writes `model` (from `umap()` with the "native" engine, or `loadUmapModel`) to `path`,
 * through a temporary file renamed into place, so a reader never sees half a model.
 *
 * @example
 * const { model } = await umap(sample, [20_000, 768], { seed: 1 });
 * await saveUmapModel(model, "layout.umap");
 */
export async function saveUmapModel(model: UmapModel, path: string): Promise<void> {
  await model.save(path);
}

/**
 * Reads a model written by `saveUmapModel`; its `transform` gives the same coordinates as the
 * saved model's did. Throws `UmapModelFileError` for a file that is not a model, comes from a
 * newer format, or is truncated or corrupt.
 *
 * @example
 * const model = await loadUmapModel("layout.umap");
 * const xy = await model.transform(shard); // Float32Array [m, 2]
 */
export async function loadUmapModel(path: string): Promise<UmapModel> {
  return umapModel(await readModel(path));
}

async function writeModel(state: UmapModelState, path: string): Promise<void> {
  const nFit = state.data.length / state.cols;
  const header: Header = {
    version: UMAP_MODEL_VERSION,
    nFit,
    cols: state.cols,
    nComponents: state.nComponents,
    nNeighbors: state.nNeighbors,
    metric: state.metric,
    minDist: state.minDist,
    spread: state.spread,
    a: state.a,
    b: state.b,
    seed: state.seed,
    nEpochs: state.nEpochs ?? null,
    crc32: { data: crc32(state.data), embedding: crc32(state.embedding) },
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const head = Buffer.alloc(padded(PREFIX + json.length));
  head.write(MAGIC, 0, "latin1");
  head.writeUInt32LE(UMAP_MODEL_VERSION, 12);
  head.writeUInt32LE(json.length, 16);
  json.copy(head, PREFIX);
  const tmp = `${path}.${process.pid}.tmp`;
  const file = await open(tmp, "w");
  try {
    await file.write(head);
    for (const array of [state.data, state.embedding]) {
      const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
      for (let at = 0; at < bytes.length; at += SLICE) {
        await file.write(bytes.subarray(at, at + SLICE));
      }
    }
    await file.close();
    await rename(tmp, path);
  } catch (err) {
    await file.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}

async function readModel(path: string): Promise<UmapModelState> {
  const file = await open(path, "r");
  try {
    const size = (await file.stat()).size;
    const prefix = Buffer.alloc(PREFIX);
    await file.read(prefix, 0, PREFIX, 0);
    if (size < PREFIX || prefix.toString("latin1", 0, 12) !== MAGIC) {
      throw new UmapModelFileError(path, "not an audiomap UMAP model file (no AUDIOMAPUMAP mark)");
    }
    const version = prefix.readUInt32LE(12);
    if (version > UMAP_MODEL_VERSION || version < 1) {
      throw new UmapModelFileError(
        path,
        `model format version ${version}; this audiomap reads versions 1-${UMAP_MODEL_VERSION}`,
      );
    }
    const jsonLength = prefix.readUInt32LE(16);
    if (PREFIX + jsonLength > size) throw new UmapModelFileError(path, "truncated header");
    const json = Buffer.alloc(jsonLength);
    await file.read(json, 0, jsonLength, PREFIX);
    const header = parseHeader(path, json, version);
    const dataAt = padded(PREFIX + jsonLength);
    const dataLength = header.nFit * header.cols;
    const embeddingLength = header.nFit * header.nComponents;
    const expected = dataAt + 4 * (dataLength + embeddingLength);
    if (size !== expected) {
      throw new UmapModelFileError(
        path,
        `truncated or corrupt: the header describes ${expected} bytes, the file has ${size}`,
      );
    }
    const data = new Float32Array(dataLength);
    const embedding = new Float32Array(embeddingLength);
    let at = dataAt;
    for (const array of [data, embedding]) {
      const bytes = Buffer.from(array.buffer);
      for (let done = 0; done < bytes.length; ) {
        const { bytesRead } = await file.read(
          bytes,
          done,
          Math.min(SLICE, bytes.length - done),
          at,
        );
        if (bytesRead === 0) throw new UmapModelFileError(path, "truncated arrays");
        done += bytesRead;
        at += bytesRead;
      }
    }
    if (crc32(data) !== header.crc32.data || crc32(embedding) !== header.crc32.embedding) {
      throw new UmapModelFileError(path, "corrupt: the arrays do not match their checksums");
    }
    return {
      data,
      cols: header.cols,
      embedding,
      nComponents: header.nComponents,
      nNeighbors: header.nNeighbors,
      metric: header.metric,
      minDist: header.minDist,
      spread: header.spread,
      a: header.a,
      b: header.b,
      seed: header.seed,
      ...(header.nEpochs !== null && { nEpochs: header.nEpochs }),
    };
  } finally {
    await file.close();
  }
}

function parseHeader(path: string, json: Buffer, version: number): Header {
  let h: Header;
  try {
    h = JSON.parse(json.toString("utf8")) as Header;
  } catch {
    throw new UmapModelFileError(path, "corrupt header (not JSON)");
  }
  const whole = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min;
  const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  const ok =
    h !== null &&
    typeof h === "object" &&
    h.version === version &&
    whole(h.nFit, 2) &&
    whole(h.cols, 1) &&
    (h.nComponents === 2 || h.nComponents === 3) &&
    whole(h.nNeighbors, 2) &&
    h.nNeighbors <= h.nFit &&
    (h.metric === "euclidean" || h.metric === "cosine") &&
    [h.minDist, h.spread, h.a, h.b, h.seed].every(finite) &&
    (h.nEpochs === null || whole(h.nEpochs, 1)) &&
    typeof h.crc32 === "object" &&
    h.crc32 !== null &&
    whole(h.crc32.data, 0) &&
    whole(h.crc32.embedding, 0);
  if (!ok) throw new UmapModelFileError(path, "corrupt header (missing or invalid fields)");
  return h;
}

function padded(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}
