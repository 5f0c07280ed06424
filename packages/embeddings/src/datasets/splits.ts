/**
 * Splits as Hugging Face `datasets` names them from a repository's files: `data/train-00000-of-
 * 00002.parquet` is in split "train", and so is `train/0000.parquet` (the Hub's Parquet
 * conversion) or `train/clip.wav` (AudioFolder). Folder and file-name keywords map to the three
 * canonical splits; the Hub's shard names (`<split>-NNNNN-of-NNNNN`) keep any split name.
 */
import { DatasetError } from "./types.js";

/** File and folder keywords, as HF's data-files resolution reads them. */
const KEYWORDS: Readonly<Record<string, string>> = {
  train: "train",
  training: "train",
  validation: "validation",
  valid: "validation",
  val: "validation",
  dev: "validation",
  test: "test",
  testing: "test",
  eval: "test",
  evaluation: "test",
};

/** A split keyword's canonical name, or null for a word that names no split. */
export function splitKeyword(word: string): string | null {
  return KEYWORDS[word.toLowerCase()] ?? null;
}

/**
 * The split a file belongs to, from its path relative to the dataset root (`/`-separated), or
 * null when the path does not say:
 * - `…/<split>-00000-of-00004.<ext>`: the Hub's shard name, any split name;
 * - a folder named by a keyword (`train/`, `dev/`, `test/`…), the deepest one winning;
 * - a file name that starts with a keyword followed by `-`, `_` or `.` (`test.parquet`).
 */
export function splitFromPath(relPath: string): string | null {
  const parts = relPath.split("/");
  const name = parts.pop() as string;
  const shard = /^(.+?)-\d{5}-of-\d{5}\.[^.]+$/.exec(name);
  if (shard) return shard[1] as string;
  for (let i = parts.length - 1; i >= 0; i--) {
    const split = splitKeyword(parts[i] as string);
    if (split) return split;
  }
  const prefix = /^([A-Za-z]+)[-_.]/.exec(name);
  return prefix ? splitKeyword(prefix[1] as string) : null;
}

/** The error for a `--split` the dataset does not have; `available` lists the ones it has. */
export function unknownSplit(source: string, split: string, available: Iterable<string>) {
  const names = [...new Set(available)].sort();
  return new DatasetError(
    "ERR_DATASET_SPLIT",
    names.length === 0
      ? `${source}: no split "${split}": the dataset names no splits (no split folders, Hub file names or split column)`
      : `${source}: no split "${split}"; its splits: ${names.join(", ")}`,
  );
}
