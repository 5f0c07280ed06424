/**
 * A source's identity, cheap enough to take on every run, so that `--resume` and `merge` can
 * tell that two runs read the same records. It is the SHA-256 of the sorted list of the files
 * the layout reads, each with its size and a digest of what decides which records exist and
 * what they hold:
 * - manifests and index files (CSV, TSV, JSONL, split lists, metadata files): their content;
 * - Parquet files: their footer (schema, row groups, every column chunk's size, offset and
 *   statistics), a few KiB that change whenever the data does, without reading the audio bytes;
 * - audio files: the size only, since hashing every clip would read the whole dataset. A clip
 *   rewritten in place at exactly the same size is the one change this does not see.
 * Paths are relative to the source (a file source is named by its file name), so a copy of the
 * dataset elsewhere, e.g. on each node of a cluster, has the same identity.
 */
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileSha256 } from "../outputs/provenance.js";
import { isAudioFile, walkFiles } from "./files.js";
import type { DatasetKind } from "./open.js";

/** What `fingerprintSource` found. */
export interface SourceFingerprint {
  /** Files read. */
  files: number;
  /** Their total size. */
  bytes: number;
  /** SHA-256 of the listing: relative path, size and digest of each file. */
  sha256: string;
}

/** Options of `fingerprintSource`. */
export interface FingerprintOptions {
  /**
   * Files to leave out, by absolute path: an output written inside its own source (see
   * `isOutputSetPath`). Default none.
   */
  exclude?: (path: string) => boolean;
}

/** Besides audio, the files of a folder that each layout reads. */
function layoutReads(kind: DatasetKind | "file", rel: string): boolean {
  const name = basename(rel);
  if (kind === "parquet" && /\.parquet$/i.test(name)) return true;
  if (isAudioFile(name)) return true;
  if (kind === "speech-commands") return !rel.includes("/") && name.endsWith(".txt");
  if (kind === "minds14") return name.endsWith(".csv");
  if (kind === "audiofolder") return /^metadata\.(csv|jsonl)$/.test(name);
  return false;
}

/**
 * The identity of the source at `path` (a file or a folder) read as layout `kind` ("file" for
 * one audio file).
 * @example
 * const ds = await openDataset("clips/");
 * const id = await fingerprintSource("clips/", ds.kind); // { files: 120, bytes: 5e6, sha256: "…" }
 */
export async function fingerprintSource(
  path: string,
  kind: DatasetKind | "file",
  options: FingerprintOptions = {},
): Promise<SourceFingerprint> {
  const exclude = options.exclude ?? (() => false);
  const listed: [abs: string, rel: string][] = [];
  if ((await stat(path)).isDirectory()) {
    for await (const rel of walkFiles(path, () => true))
      if (layoutReads(kind, rel)) listed.push([join(path, rel), rel]);
  } else listed.push([path, basename(path)]);
  const kept = listed.filter(([abs]) => !exclude(abs));
  const hash = createHash("sha256");
  let bytes = 0;
  // Files are looked at a batch at a time (one stat each, and a read for index files), and
  // hashed in listing order.
  for (let i = 0; i < kept.length; i += STAT_BATCH) {
    const lines = await Promise.all(
      kept.slice(i, i + STAT_BATCH).map(async ([abs, rel]) => {
        const size = (await stat(abs)).size;
        bytes += size;
        return `${JSON.stringify(rel)}\t${size}\t${await digest(abs, size)}\n`;
      }),
    );
    for (const line of lines) hash.update(line);
  }
  return { files: kept.length, bytes, sha256: hash.digest("hex") };
}

const STAT_BATCH = 64;

/** What stands for a file's content in the listing (see the file comment). */
async function digest(path: string, size: number): Promise<string> {
  const name = basename(path);
  if (/\.parquet$/i.test(name)) return (await parquetFooterSha256(path, size)) ?? fileSha256(path);
  if (isAudioFile(name)) return "";
  return fileSha256(path);
}

/**
 * SHA-256 of a Parquet file's footer (its metadata, with the length and magic after it), or
 * null when the file does not end like a Parquet file.
 */
async function parquetFooterSha256(path: string, size: number): Promise<string | null> {
  if (size < 12) return null;
  const fh = await open(path, "r");
  try {
    const tail = Buffer.alloc(8);
    await fh.read(tail, 0, 8, size - 8);
    const length = tail.readUInt32LE(0);
    if (tail.toString("latin1", 4) !== "PAR1" || length + 12 > size) return null;
    const footer = Buffer.alloc(length + 8);
    await fh.read(footer, 0, footer.length, size - 8 - length);
    return createHash("sha256").update(footer).digest("hex");
  } finally {
    await fh.close();
  }
}
