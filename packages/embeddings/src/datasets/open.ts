/** One entry point that recognises a dataset's layout from its path. */
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isAudioFile, sortedEntries, walkAudio, walkFiles } from "./files.js";
import { folderSource } from "./folder.js";
import { type ManifestOptions, manifestSource } from "./manifest.js";
import { minds14Source } from "./minds14.js";
import { type ParquetOptions, parquetSource } from "./parquet.js";
import { type SpeechCommandsSplit, speechCommandsSource } from "./speech-commands.js";
import { type AudioRecord, DatasetError } from "./types.js";

const isParquet = (name: string) => /\.parquet$/i.test(name);

/** The layouts `openDataset` knows. */
export type DatasetKind = "speech-commands" | "minds14" | "manifest" | "parquet" | "folder";

/** Options for `openDataset`; each applies to the layouts that have it. */
export interface OpenDatasetOptions extends ManifestOptions, ParquetOptions {
  /** Force a layout instead of detecting it. */
  kind?: DatasetKind;
  /** Speech Commands split. Default: all clips. */
  split?: SpeechCommandsSplit;
  /** MInDS-14 language, e.g. "en-US". Default: all languages. */
  language?: string;
}

/** What `openDataset` found. */
export interface OpenedDataset extends AsyncIterable<AudioRecord> {
  kind: DatasetKind;
  /** The resolved path(s). */
  paths: string[];
}

/**
 * The layout of `path`:
 * - `.parquet` file, or a directory tree with `.parquet` files and no audio → "parquet"
 *   (every `.parquet` under it, in path order);
 * - `.csv`/`.tsv`/`.jsonl`/`.ndjson` file → "manifest";
 * - directory with `text/*.csv` → "minds14";
 * - directory with `validation_list.txt`/`testing_list.txt`, or whose top level has label
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
  const text = join(path, "text");
  if (existsSync(text) && (await readdir(text)).some((f) => f.endsWith(".csv"))) return "minds14";
  if (existsSync(join(path, "validation_list.txt")) || existsSync(join(path, "testing_list.txt"))) {
    return "speech-commands";
  }
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
  const open = (): AsyncIterable<AudioRecord> => {
    switch (kind) {
      case "parquet":
        return parquetSource(parquetFiles, options);
      case "manifest":
        return manifestSource(first, options);
      case "minds14":
        return minds14Source(first, { language: options.language });
      case "speech-commands":
        return speechCommandsSource(first, { split: options.split });
      case "folder":
        return folderSource(first);
    }
  };
  return { kind, paths, [Symbol.asyncIterator]: () => open()[Symbol.asyncIterator]() };
}
