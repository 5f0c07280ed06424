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

/**
 * Audio formats that libsndfile does not decode, with what they usually hold. Files with these
 * extensions are listed like any audio file, so each one becomes an error row that names its
 * format, never a file skipped in silence (phones record .m4a).
 */
export const UNDECODED_AUDIO_FORMATS: Readonly<Record<string, string>> = {
  ".m4a": "AAC or ALAC in MP4",
  ".mp4": "AAC in MP4",
  ".aac": "raw AAC",
  ".3gp": "AMR or AAC in 3GP",
  ".amr": "AMR",
  ".wma": "Windows Media Audio",
  ".webm": "Opus or Vorbis in WebM",
  ".mka": "audio in Matroska",
  ".ac3": "Dolby AC-3",
  ".ape": "Monkey's Audio",
};

/** True when `name` has an audio extension: one libsndfile decodes, or one of UNDECODED_AUDIO_FORMATS. */
export function isAudioFile(name: string): boolean {
  const ext = extname(name).toLowerCase();
  return AUDIO_EXTENSIONS.has(ext) || ext in UNDECODED_AUDIO_FORMATS;
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
