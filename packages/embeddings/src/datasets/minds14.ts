/**
 * The MInDS-14 layout (PolyAI's original release, unzipped): `text/<lang>.csv` with the
 * columns path, transcription, english_transcription and intent, plus the audio tree that the
 * CSV paths point into (`audio/...`).
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

/** Where the CSV's relative paths resolve: the first base under which the file exists. */
function audioBase(root: string, relPath: string): string {
  const bases = [join(root, "audio"), join(root, "audio", "audio"), root];
  return bases.find((b) => existsSync(join(b, relPath))) ?? (bases[0] as string);
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
  const textDir = join(base, "text");
  let languages: string[];
  if (options.language) {
    languages = [options.language];
  } else {
    const files = (await readdir(textDir)).filter((f) => f.endsWith(".csv")).sort(compareNames);
    languages = files.map((f) => basename(f, ".csv"));
  }
  for (const language of languages) {
    const csv = join(textDir, `${language}.csv`);
    if (!existsSync(csv)) {
      throw new DatasetError("ERR_DATASET_LAYOUT", `${csv}: no such MInDS-14 language file`);
    }
    let audioDir: string | undefined;
    for await (const row of csvRows(csv)) {
      const [path, transcription = "", english = "", intentRaw = ""] = row;
      // The first row is a header; any row whose path is not an audio file is skipped.
      if (!path || !/\.(wav|flac|mp3|ogg)$/i.test(path)) continue;
      audioDir ??= audioBase(base, path);
      const intent = intentRaw.toLowerCase();
      const index = MINDS14_INTENTS.indexOf(intent);
      yield {
        id: path,
        source: { path: join(audioDir, path) },
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
