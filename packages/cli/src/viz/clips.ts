/**
 * Clips that live inside a Parquet source: an embedding row of a Hugging Face Parquet dataset
 * has the path `<file>.parquet#<row>`, since its audio is the row's `audio.bytes`. The pages
 * play such clips from a copy: a data: URI ("embed") or a file written beside the page
 * ("link").
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { resolveClipPaths } from "./columns.js";

const ROW_REF = /^(.*\.parquet)#(\d+)$/i;

/** The container of encoded audio bytes, from their magic number. */
function sniff(bytes: Uint8Array): { ext: string; mime: string } {
  const ascii = (from: number, n: number) => String.fromCharCode(...bytes.subarray(from, from + n));
  if (ascii(0, 4) === "RIFF" && ascii(8, 4) === "WAVE") return { ext: "wav", mime: "audio/wav" };
  if (ascii(0, 4) === "fLaC") return { ext: "flac", mime: "audio/flac" };
  if (ascii(0, 4) === "OggS") return { ext: "ogg", mime: "audio/ogg" };
  if (ascii(0, 3) === "ID3" || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0))
    return { ext: "mp3", mime: "audio/mpeg" };
  if (ascii(4, 4) === "ftyp") return { ext: "m4a", mime: "audio/mp4" };
  return { ext: "bin", mime: "application/octet-stream" };
}

/** Options of `playableClipPaths`. */
export interface PlayableOptions {
  mode: "link" | "embed";
  /** Folder of the page; "link" copies go to `<htmlDir>/audiomap-clips/`. */
  htmlDir: string;
  /** As in viz's audioSources: larger clips are linked, not embedded. Default 1 MiB. */
  maxClipBytes?: number;
  /** As in viz's audioSources: embedding stops at this total. Default 64 MiB. */
  maxTotalBytes?: number;
}

/**
 * The table's clip paths, resolved (see resolveClipPaths), with every Parquet row reference
 * turned into something a browser plays: a data: URI, or the path of a copy of the row's
 * bytes. A reference whose file or row cannot be read stays null (no player).
 */
export async function playableClipPaths(
  paths: readonly string[],
  tablePath: string,
  options: PlayableOptions,
): Promise<(string | null)[]> {
  const out = resolveClipPaths(paths, tablePath);
  const wanted = new Map<string, Map<number, number[]>>();
  out.forEach((p, i) => {
    const m = p ? ROW_REF.exec(p) : null;
    if (!m) return;
    out[i] = null;
    const file = m[1] as string;
    if (!existsSync(file)) return;
    const rows = wanted.get(file) ?? new Map<number, number[]>();
    const row = Number(m[2]);
    rows.set(row, [...(rows.get(row) ?? []), i]);
    wanted.set(file, rows);
  });
  if (wanted.size === 0) return out;
  const { parquetSource } = await import("@audiomap/embeddings");
  const maxClip = options.maxClipBytes ?? 1 << 20;
  let budget = options.maxTotalBytes ?? 64 << 20;
  const clipsDir = join(options.htmlDir, "audiomap-clips");
  for (const [file, rows] of wanted) {
    try {
      for await (const record of parquetSource(file)) {
        const m = "path" in record.source ? ROW_REF.exec(record.source.path ?? "") : null;
        const targets = m ? rows.get(Number(m[2])) : undefined;
        if (!targets || !("bytes" in record.source)) continue;
        const bytes = record.source.bytes;
        if (bytes.length === 0) continue;
        const { ext, mime } = sniff(bytes);
        let src: string;
        if (options.mode === "embed" && bytes.length <= maxClip && bytes.length <= budget) {
          budget -= bytes.length;
          src = `data:${mime};base64,${Buffer.from(bytes).toString("base64")}`;
        } else {
          await mkdir(clipsDir, { recursive: true });
          src = join(clipsDir, `${basename(file, ".parquet")}-${m?.[2]}.${ext}`);
          await writeFile(src, bytes);
        }
        for (const i of targets) out[i] = src;
      }
    } catch {
      // An unreadable source file leaves its clips without a player; the map still works.
    }
  }
  return out;
}
