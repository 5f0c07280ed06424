/**
 * The MInDS-14 layout (PolyAI's original release): `<lang>.csv` files with the columns path,
 * transcription, english_transcription and intent, and the audio tree that the CSV paths
 * point into (`<lang>~<INTENT>/<clip>.wav`). Both ways of unzipping it are read:
 * - each zip into its own folder: `text/<lang>.csv` and `audio/<lang>~<INTENT>/…`;
 * - both zips in place: `<lang>.csv` and `<lang>~<INTENT>/…` side by side.
 */
import { createReadStream, existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { parse } from "csv-parse";
import { compareNames } from "./files.js";
import { type AudioRecord, DatasetError } from "./types.js";

/** The 14 intents in the order of the Hugging Face dataset's `intent_class` ClassLabel. */
export const MINDS14_INTENTS: readonly string[] = [
  "abroad",
  "address",
  "app_error",
  "atm_limit",
  "balance",
  "business_loan",
  "card_issues",
  "cash_deposit",
  "direct_debit",
  "freeze",
  "high_value_payment",
  "joint_account",
  "latest_transactions",
  "pay_bill",
];

/** Options for `minds14Source`. */
export interface Minds14Options {
  /** Language variety, e.g. "en-US", "fr-FR" (the CSV's base name). Default: every CSV. */
  language?: string;
}

/** A language CSV's name (`en-US.csv`, `zh-CN.csv`). */
const LANGUAGE_CSV = /^[a-z]{2,3}-[A-Z]{2}\.csv$/;
/** An audio folder of the in-place layout (`en-US~ABROAD`). */
const AUDIO_FOLDER = /^[a-z]{2,3}-[A-Z]{2}~[A-Z_]+$/;

/**
 * Where the language CSVs are: `text/` when it holds CSVs, else the root when it holds
 * `<lang>.csv` files next to `<lang>~<INTENT>` folders; null when neither.
 */
export async function minds14TextDir(root: string): Promise<string | null> {
  const text = join(root, "text");
  if (existsSync(text) && (await readdir(text)).some((f) => f.endsWith(".csv"))) return text;
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const csv = entries.some((e) => e.isFile() && LANGUAGE_CSV.test(e.name));
  const audio = entries.some((e) => e.isDirectory() && AUDIO_FOLDER.test(e.name));
  return csv && audio ? root : null;
}

/**
 * Where one CSV path resolves: the first base under which the file exists, tried per row (a
 * missing clip must not move the others). A path found nowhere resolves under the first
 * base, and its record fails as "file not found".
 */
function resolveClip(bases: string[], relPath: string): string {
  const base = bases.find((b) => existsSync(join(b, relPath))) ?? (bases[0] as string);
  return join(base, relPath);
}

async function* csvRows(path: string): AsyncGenerator<string[]> {
  const parser = createReadStream(path).pipe(
    parse({ relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }),
  );
  for await (const row of parser) yield row as string[];
}

/**
 * Records of one language (or all): label = intent (lower case), id = the CSV's path.
 * Metadata: language, transcription, english_transcription, intent_class (index into
 * MINDS14_INTENTS, or null for an unknown intent). Rows come in CSV order, languages in
 * code-point order. Columns are read by position, as in the original release.
 */
export async function* minds14Source(
  root: string,
  options: Minds14Options = {},
): AsyncGenerator<AudioRecord> {
  const base = resolve(root);
  const textDir = await minds14TextDir(base);
  if (!textDir) {
    throw new DatasetError(
      "ERR_DATASET_LAYOUT",
      `${base}: not a MInDS-14 folder (no text/<lang>.csv, nor <lang>.csv beside <lang>~<INTENT>/)`,
    );
  }
  const bases =
    textDir === base
      ? [base, join(base, "audio")]
      : [join(base, "audio"), join(base, "audio", "audio"), base];
  let languages: string[];
  if (options.language) {
    languages = [options.language];
  } else {
    const files = (await readdir(textDir))
      .filter((f) => f.endsWith(".csv") && (textDir !== base || LANGUAGE_CSV.test(f)))
      .sort(compareNames);
    languages = files.map((f) => basename(f, ".csv"));
  }
  for (const language of languages) {
    const csv = join(textDir, `${language}.csv`);
    if (!existsSync(csv)) {
      throw new DatasetError("ERR_DATASET_LAYOUT", `${csv}: no such MInDS-14 language file`);
    }
    for await (const row of csvRows(csv)) {
      const [path, transcription = "", english = "", intentRaw = ""] = row;
      // The first row is a header; any row whose path is not an audio file is skipped.
      if (!path || !/\.(wav|flac|mp3|ogg)$/i.test(path)) continue;
      const intent = intentRaw.toLowerCase();
      const index = MINDS14_INTENTS.indexOf(intent);
      yield {
        id: path,
        source: { path: resolveClip(bases, path) },
        label: intent,
        metadata: {
          language,
          transcription,
          english_transcription: english,
          intent_class: index >= 0 ? index : null,
        },
      };
    }
  }
}
