/** One entry point that recognises a dataset's layout from its path. */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { audioFolderSource, isAudioFolder } from "./audiofolder.js";
import { isAudioFile, sortedEntries, walkAudio, walkFiles } from "./files.js";
import { folderSource } from "./folder.js";
import { type ManifestOptions, manifestSource } from "./manifest.js";
import { minds14Source, minds14TextDir } from "./minds14.js";
import { type ParquetOptions, parquetColumnTypes, parquetSource } from "./parquet.js";
import { speechCommandsSource } from "./speech-commands.js";
import { unknownSplit } from "./splits.js";
import { type AudioRecord, DatasetError, type MetadataType } from "./types.js";

const isParquet = (name: string) => /\.parquet$/i.test(name);

/** The layouts `openDataset` knows. */
export type DatasetKind =
  | "speech-commands"
  | "minds14"
  | "audiofolder"
  | "manifest"
  | "parquet"
  | "folder";

/** Options for `openDataset`; each applies to the layouts that have it. */
export interface OpenDatasetOptions extends ManifestOptions, ParquetOptions {
  /** Force a layout instead of detecting it. */
  kind?: DatasetKind;
  /**
   * Only this split: Speech Commands' lists, Parquet's Hub file names or split column,
   * AudioFolder's split folders, a manifest's split column. A split the dataset does not have
   * throws ERR_DATASET_SPLIT. Default: every record, each with its split in `metadata.split`.
   */
  split?: string;
  /** MInDS-14 language, e.g. "en-US". Default: all languages. */
  language?: string;
}

/** What `openDataset` found. */
export interface OpenedDataset extends AsyncIterable<AudioRecord> {
  kind: DatasetKind;
  /** The resolved path(s). */
  paths: string[];
  /**
   * The type of each metadata column the layout knows in advance (Parquet's schema, integer
   * fields of the known layouts). Columns not named here are typed from their values.
   */
  columnTypes: Record<string, MetadataType>;
}

/**
 * The layout of `path`:
 * - `.parquet` file, or a directory tree with `.parquet` files and no audio → "parquet"
 *   (every `.parquet` under it, in path order);
 * - `.csv`/`.tsv`/`.jsonl`/`.ndjson` file → "manifest";
 * - directory with `text/*.csv`, or `<lang>.csv` beside `<lang>~<INTENT>/` → "minds14";
 * - directory with `validation_list.txt`/`testing_list.txt` → "speech-commands";
 * - directory with Parquet files under `data/` (the Hub's layout) → "parquet";
 * - directory with `metadata.csv`/`metadata.jsonl` (at the top or in split folders), or whose
 *   folders are all split names (`train/`, `test/`…) → "audiofolder";
 * - directory whose top level has label
 *   folders holding audio and no audio files of its own → "speech-commands";
 * - any other directory → "folder" (every audio file, recursively, no labels).
 */
export async function detectKind(path: string): Promise<DatasetKind> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new DatasetError("ERR_DATASET_LAYOUT", `${path}: no such file or directory`);
  if (info.isFile()) {
    if (/\.parquet$/i.test(path)) return "parquet";
    if (/\.(csv|tsv|jsonl|ndjson)$/i.test(path)) return "manifest";
    throw new DatasetError(
      "ERR_DATASET_LAYOUT",
      `${path}: expected a directory, a .csv/.jsonl manifest or a .parquet file`,
    );
  }
  if (await minds14TextDir(path)) return "minds14";
  if (existsSync(join(path, "validation_list.txt")) || existsSync(join(path, "testing_list.txt"))) {
    return "speech-commands";
  }
  // The Hub's layout: `data/<split>-*.parquet`, even with audio files elsewhere in the tree
  // (an audio.path fallback next to the Parquet files).
  const data = join(path, "data");
  if (existsSync(data) && !(await walkFiles(data, isParquet).next()).done) return "parquet";
  if (await isAudioFolder(path)) return "audiofolder";
  const entries = await sortedEntries(path);
  if (entries.some((e) => e.isFile() && isAudioFile(e.name))) return "folder";
  const dirs = entries.filter((e) => e.isDirectory());
  for (const dir of dirs) {
    const inner = await sortedEntries(join(path, dir.name));
    if (inner.some((e) => e.isFile() && isAudioFile(e.name))) return "speech-commands";
  }
  // A Hub download (e.g. en-US/train/0000.parquet): Parquet files and no audio files.
  const hasAudio = !(await walkAudio(path).next()).done;
  if (!hasAudio && !(await walkFiles(path, isParquet).next()).done) return "parquet";
  return "folder";
}

/**
 * Opens a dataset, detecting its layout (see `detectKind`) unless `options.kind` says. A list
 * of paths is read as Parquet files. Records stream in a deterministic order.
 * @example
 * const ds = await openDataset("speech_commands_v0.02", { split: "test" });
 * for await (const record of ds) console.log(record.id, record.label);
 */
export async function openDataset(
  spec: string | string[],
  options: OpenDatasetOptions = {},
): Promise<OpenedDataset> {
  const paths = (Array.isArray(spec) ? spec : [spec]).map((p) => resolve(p));
  if (paths.length === 0) throw new DatasetError("ERR_DATASET_LAYOUT", "no dataset path given");
  const kind =
    options.kind ?? (paths.length > 1 ? "parquet" : await detectKind(paths[0] as string));
  const first = paths[0] as string;
  let parquetFiles = paths;
  if (kind === "parquet" && paths.length === 1 && (await stat(first)).isDirectory()) {
    parquetFiles = [];
    for await (const rel of walkFiles(first, isParquet)) parquetFiles.push(join(first, rel));
    if (parquetFiles.length === 0) {
      throw new DatasetError("ERR_DATASET_LAYOUT", `${first}: no .parquet files`);
    }
  }
  const split = options.split;
  const fixedSplits: Partial<Record<DatasetKind, string[]>> = {
    "speech-commands": ["train", "validation", "test"],
    // The Hub's MInDS-14 has one split.
    minds14: ["train"],
    folder: [],
  };
  const known = fixedSplits[kind];
  if (split !== undefined && known && !known.includes(split)) {
    throw unknownSplit(first, split, known);
  }
  if (split !== undefined && kind === "manifest") await manifestHasSplit(first, split, options);
  const open = (): AsyncIterable<AudioRecord> => {
    switch (kind) {
      case "parquet":
        return parquetSource(parquetFiles, options);
      case "manifest":
        return split === undefined
          ? manifestSource(first, options)
          : onlySplit(manifestSource(first, options), split);
      case "minds14":
        return minds14Source(first, { language: options.language });
      case "speech-commands":
        return speechCommandsSource(first, { split: split as never });
      case "audiofolder":
        return audioFolderSource(first, {
          ...(options.labelColumn !== undefined && { labelColumn: options.labelColumn }),
          ...(split !== undefined && { split }),
        });
      case "folder":
        return folderSource(first);
    }
  };
  // Read up front, so that a wrong split or file fails before any audio is read.
  const columnTypes: Record<string, MetadataType> =
    kind === "parquet"
      ? await parquetColumnTypes(parquetFiles, options)
      : kind === "speech-commands"
        ? { utterance_id: "int64" }
        : kind === "minds14"
          ? { intent_class: "int64" }
          : {};
  return {
    kind,
    paths,
    columnTypes,
    [Symbol.asyncIterator]: () => open()[Symbol.asyncIterator](),
  };
}

async function* onlySplit(records: AsyncIterable<AudioRecord>, split: string) {
  for await (const r of records) if (r.metadata.split === split) yield r;
}

/** A manifest's `split` column must hold `split` (one pass over the manifest). */
async function manifestHasSplit(path: string, split: string, options: ManifestOptions) {
  const seen = new Set<string>();
  for await (const r of manifestSource(path, options)) {
    const s = r.metadata.split;
    if (s === split) return;
    if (s !== null && s !== undefined) seen.add(String(s));
  }
  throw unknownSplit(path, split, seen);
}
