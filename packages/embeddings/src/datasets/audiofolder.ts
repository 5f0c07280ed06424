/**
 * Hugging Face's AudioFolder layout: audio files with an optional `metadata.csv` or
 * `metadata.jsonl` (one row per clip, `file_name` relative to the metadata file), split folders
 * (`train/`, `test/`…) and, with no metadata, label folders inside them (`train/yes/a.wav`).
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { isAudioFile, sortedEntries, walkFiles } from "./files.js";
import { csvRows, invalidRecord, jsonlRows, toMetadata } from "./manifest.js";
import { splitFromPath, splitKeyword, unknownSplit } from "./splits.js";
import type { AudioRecord, MetadataValue } from "./types.js";

/** Options for `audioFolderSource`. */
export interface AudioFolderOptions {
  /** The label column of the metadata. Default "label" when present; null for no label. */
  labelColumn?: string | null;
  /** Only this split (from the split folders). An absent split throws ERR_DATASET_SPLIT. */
  split?: string;
}

const METADATA = /^metadata\.(csv|jsonl)$/;

/** The metadata files under `root`, relative with "/", in path order. */
async function metadataFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for await (const rel of walkFiles(root, (name) => METADATA.test(name))) out.push(rel);
  return out;
}

/**
 * Whether `root` is an AudioFolder: it has a metadata file at the top or one split folder
 * down, or every top-level folder is named by a split keyword and there are no loose files.
 */
export async function isAudioFolder(root: string): Promise<boolean> {
  const entries = await sortedEntries(root);
  if (entries.some((e) => e.isFile() && METADATA.test(e.name))) return true;
  const dirs = entries.filter((e) => e.isDirectory());
  const splitDirs = dirs.filter((d) => splitKeyword(d.name) !== null);
  for (const d of splitDirs) {
    if (["metadata.csv", "metadata.jsonl"].some((m) => existsSync(join(root, d.name, m))))
      return true;
  }
  const loose = entries.some((e) => e.isFile() && isAudioFile(e.name));
  if (loose || dirs.length === 0 || splitDirs.length !== dirs.length) return false;
  // Split folders of audio (a Hub tree of split folders of Parquet files is "parquet").
  return !(await walkFiles(root, isAudioFile).next()).done;
}

/** CSV cells as pandas reads them (HF's CSV builder): integers and decimals become numbers. */
function csvValue(value: unknown): MetadataValue {
  if (typeof value !== "string") return toMetadata(value);
  if (value === "") return null;
  if (/^-?(0|[1-9]\d*)$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  if (/^-?\d+\.\d*([eE][-+]?\d+)?$/.test(value)) return Number(value);
  return value;
}

/**
 * Records of an AudioFolder, with HF's rules:
 * - with metadata files, one record per row in file order; `file_name` (or the first
 *   `*_file_name` column) names the clip relative to the metadata file, the label is the label
 *   column and every other column is metadata. Audio files that no row names come after, with
 *   no metadata: nothing is left out;
 * - with none, every audio file, labelled by its folder below the split folder;
 * - the split is the split folder's name (`metadata.split`); `split` keeps only that one.
 * The id is the clip's path relative to `root`.
 * @example for await (const r of audioFolderSource("my_dataset", { split: "test" })) ...
 */
export async function* audioFolderSource(
  root: string,
  options: AudioFolderOptions = {},
): AsyncGenerator<AudioRecord> {
  const base = resolve(root);
  const audio: string[] = [];
  for await (const rel of walkFiles(base, isAudioFile)) audio.push(rel);
  const metas = await metadataFiles(base);
  if (options.split !== undefined) {
    const splits = [...audio, ...metas].map(splitFromPath).filter((s): s is string => s !== null);
    if (!splits.includes(options.split)) throw unknownSplit(base, options.split, splits);
  }
  const keep = (rel: string) => options.split === undefined || splitFromPath(rel) === options.split;
  const named = new Set<string>();
  for (const metaRel of metas) {
    if (!keep(metaRel)) continue;
    const metaPath = join(base, metaRel);
    const folder = dirname(metaPath);
    const rows = metaRel.endsWith(".jsonl") ? jsonlRows(metaPath) : csvRows(metaPath);
    const csv = metaRel.endsWith(".csv");
    for await (const entry of rows) {
      if (entry.invalid !== undefined) {
        yield invalidRecord(metaPath, entry.line, entry.invalid);
        continue;
      }
      const row = entry.values;
      const fileColumn =
        "file_name" in row ? "file_name" : Object.keys(row).find((k) => k.endsWith("_file_name"));
      const fileName = fileColumn ? row[fileColumn] : undefined;
      if (typeof fileName !== "string" || fileName === "") {
        yield invalidRecord(
          metaPath,
          entry.line,
          `line ${entry.line} has no file_name (AudioFolder metadata names each clip in file_name)`,
        );
        continue;
      }
      const path = resolve(folder, fileName);
      const id = relative(base, path).split(sep).join("/");
      named.add(id);
      const labelColumn =
        options.labelColumn === undefined ? ("label" in row ? "label" : null) : options.labelColumn;
      const metadata: Record<string, MetadataValue> = {};
      for (const [k, v] of Object.entries(row)) {
        if (k !== fileColumn && k !== labelColumn) metadata[k] = csv ? csvValue(v) : toMetadata(v);
      }
      const split = splitFromPath(metaRel);
      if (split !== null && !("split" in metadata)) metadata.split = split;
      const record: AudioRecord = { id, source: { path }, metadata };
      const label = labelColumn ? row[labelColumn] : undefined;
      if (label !== undefined && label !== null && label !== "") record.label = String(label);
      yield record;
    }
  }
  for (const rel of audio) {
    if (named.has(rel) || !keep(rel)) continue;
    const split = splitFromPath(rel);
    const record: AudioRecord = {
      id: rel,
      source: { path: join(base, rel) },
      metadata: split === null ? {} : { split },
    };
    // With no metadata, HF labels clips by their folder: `train/yes/a.wav` is "yes".
    if (metas.length === 0) {
      const parts = rel.split("/");
      const folder = parts.length >= 2 ? (parts[parts.length - 2] as string) : null;
      if (folder !== null && splitKeyword(folder) === null) record.label = folder;
    }
    yield record;
  }
}
