/** Directory walking shared by the folder-based sources. */
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { extname, join } from "node:path";

/** File extensions treated as audio (lower case): what libsndfile decodes. */
export const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set([
  ".wav",
  ".wave",
  ".flac",
  ".ogg",
  ".oga",
  ".opus",
  ".mp3",
  ".aif",
  ".aiff",
  ".au",
  ".caf",
  ".w64",
  ".rf64",
]);

/** True when `name` has an audio extension. */
export function isAudioFile(name: string): boolean {
  return AUDIO_EXTENSIONS.has(extname(name).toLowerCase());
}

/**
 * Byte-wise (code point) comparison: the same order on every machine and locale, unlike
 * `localeCompare`.
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The entries of `dir`, sorted by name, skipping hidden ones (".", e.g. .DS_Store). */
export async function sortedEntries(dir: string): Promise<Dirent[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => !e.name.startsWith("."))
    .sort((a, b) => compareNames(a.name, b.name));
}

/** Files under `dir` whose name passes `keep`, depth first in name order, relative with "/". */
export async function* walkFiles(
  dir: string,
  keep: (name: string) => boolean,
  prefix = "",
): AsyncGenerator<string> {
  for (const entry of await sortedEntries(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walkFiles(dir, keep, rel);
    else if ((entry.isFile() || entry.isSymbolicLink()) && keep(entry.name)) yield rel;
  }
}

/**
 * Audio files under `dir`, depth first in name order, as paths relative to `dir` with "/"
 * separators. One directory listing is held at a time per level.
 */
export function walkAudio(dir: string): AsyncGenerator<string> {
  return walkFiles(dir, isAudioFile);
}
