/** A plain directory of audio files, walked recursively. */
import { join, resolve } from "node:path";
import { walkAudio } from "./files.js";
import type { AudioRecord } from "./types.js";

/**
 * Every audio file under `root` (recursively, in code-point order of the relative paths),
 * without labels. The id is the path relative to `root`.
 * @example for await (const r of folderSource("recordings/")) console.log(r.id);
 */
export async function* folderSource(root: string): AsyncGenerator<AudioRecord> {
  const base = resolve(root);
  for await (const rel of walkAudio(base)) {
    yield { id: rel, source: { path: join(base, rel) }, metadata: {} };
  }
}
