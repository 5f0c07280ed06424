/**
 * The Speech Commands layout: one folder per label, `validation_list.txt` and
 * `testing_list.txt` naming the clips of those splits, the training split being the rest.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { sortedEntries, walkAudio } from "./files.js";
import { type AudioRecord, DatasetError } from "./types.js";

/** A Speech Commands split. */
export type SpeechCommandsSplit = "train" | "validation" | "test";

/** Options for `speechCommandsSource`. */
export interface SpeechCommandsOptions {
  /** Only this split. Default: every clip, each tagged with its split in `metadata.split`. */
  split?: SpeechCommandsSplit;
}

/** Folders that hold no labelled clips: the long noise recordings used for augmentation. */
const SKIPPED = new Set(["_background_noise_"]);

async function readList(path: string): Promise<Set<string> | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  return new Set(
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
  );
}

/**
 * Speech-commands file names are `<speaker>_nohash_<n>.wav`: the speaker id is the hash
 * before `_nohash_` and n counts that speaker's takes of the word.
 */
function speakerFields(name: string): { speaker_id: string | null; utterance_id: number | null } {
  const match = /^(.+?)_nohash_(\d+)\.[^.]+$/.exec(name);
  return match
    ? { speaker_id: match[1] as string, utterance_id: Number(match[2]) }
    : { speaker_id: null, utterance_id: null };
}

/**
 * Records of a Speech Commands tree: label = folder name, id = "label/file.wav" (the form the
 * split lists use). Labels and files come in code-point order; `_background_noise_` is
 * skipped. Metadata: split, speaker_id, utterance_id.
 * @example for await (const r of speechCommandsSource("speech_commands_v0.02", { split: "test" })) ...
 */
export async function* speechCommandsSource(
  root: string,
  options: SpeechCommandsOptions = {},
): AsyncGenerator<AudioRecord> {
  const base = resolve(root);
  const validation = await readList(join(base, "validation_list.txt"));
  const testing = await readList(join(base, "testing_list.txt"));
  if (options.split && options.split !== "train" && !(validation && testing)) {
    throw new DatasetError(
      "ERR_DATASET_LAYOUT",
      `${base}: split "${options.split}" needs validation_list.txt and testing_list.txt`,
    );
  }
  for (const entry of await sortedEntries(base)) {
    if (!entry.isDirectory() || SKIPPED.has(entry.name)) continue;
    const label = entry.name;
    for await (const rel of walkAudio(join(base, label))) {
      const id = `${label}/${rel}`;
      const split = validation?.has(id) ? "validation" : testing?.has(id) ? "test" : "train";
      if (options.split && split !== options.split) continue;
      const name = rel.slice(rel.lastIndexOf("/") + 1);
      yield {
        id,
        source: { path: join(base, label, rel) },
        label,
        metadata: { split, ...speakerFields(name) },
      };
    }
  }
}
