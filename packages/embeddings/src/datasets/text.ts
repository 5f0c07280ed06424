/**
 * Text index files (manifests, AudioFolder metadata) as strings, whatever their encoding:
 * UTF-8 with or without a BOM, and UTF-16 (LE or BE) with a BOM or without one, as Windows
 * tools (Excel's "Unicode text", PowerShell 5's `>`) write it. Without this a UTF-16 manifest
 * reads as NUL-riddled text whose path column never matches.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { type Readable, Transform } from "node:stream";

/** The encoding of a text file, from its first bytes. */
export type TextEncoding = "utf-8" | "utf-16le" | "utf-16be";

/** Sniffs `head` (the first bytes): a BOM, else the NUL pattern of ASCII text in UTF-16. */
export function sniffEncoding(head: Uint8Array): { encoding: TextEncoding; bom: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
    return { encoding: "utf-8", bom: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: "utf-16le", bom: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: "utf-16be", bom: 2 };
  // No BOM: ASCII characters in UTF-16 put a NUL in every other byte. Count over the first
  // pairs; real UTF-8 text has no NUL at all.
  const pairs = Math.floor(Math.min(head.length, 512) / 2);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) even++;
    if (head[2 * i + 1] === 0) odd++;
  }
  if (pairs >= 2 && odd >= pairs * 0.4 && even === 0) return { encoding: "utf-16le", bom: 0 };
  if (pairs >= 2 && even >= pairs * 0.4 && odd === 0) return { encoding: "utf-16be", bom: 0 };
  return { encoding: "utf-8", bom: 0 };
}

/** A stream of the file's text (strings, BOM removed), decoded as `sniffEncoding` says. */
export async function openText(path: string): Promise<Readable> {
  const fh = await open(path, "r");
  const head = new Uint8Array(512);
  let got: number;
  try {
    ({ bytesRead: got } = await fh.read(head, 0, head.length, 0));
  } finally {
    await fh.close();
  }
  const { encoding, bom } = sniffEncoding(head.subarray(0, got));
  const bytes = createReadStream(path, { start: bom });
  const decoder = new TextDecoder(encoding, { fatal: false });
  const decode = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done) {
      done(null, decoder.decode(chunk, { stream: true }));
    },
    flush(done) {
      const rest = decoder.decode();
      done(null, rest || undefined);
    },
  });
  bytes.on("error", (err) => decode.destroy(err));
  return bytes.pipe(decode) as Readable;
}
