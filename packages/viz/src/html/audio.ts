import { readFileSync, statSync } from "node:fs";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";

/** Options for `audioSources`. */
export interface AudioSourceOptions {
  /** "link": relative URLs from the HTML file to the clips; "embed": data: URIs. Default: "link". */
  mode?: "link" | "embed";
  /** Folder the HTML file will be written to (for "link"). Default: the current directory. */
  htmlDir?: string;
  /** Folder that relative clip paths are relative to. Default: the current directory. */
  baseDir?: string;
  /** With "embed", clips bigger than this are linked instead. Default: 1 MiB. */
  maxClipBytes?: number;
  /** With "embed", stop embedding once this many bytes are embedded. Default: 64 MiB. */
  maxTotalBytes?: number;
}

const MIME: Record<string, string> = {
  ".wav": "audio/wav",
  ".flac": "audio/flac",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".opus": "audio/ogg",
  ".m4a": "audio/mp4",
  ".webm": "audio/webm",
};

/**
 * Turns clip paths into sources for the interactive page: relative URLs (each path segment
 * percent-encoded) or data: URIs. Missing paths give null.
 */
export function audioSources(
  paths: readonly (string | null)[],
  options: AudioSourceOptions = {},
): (string | null)[] {
  return audioSourcesWithCaps(paths, options).sources;
}

/** `audioSources` plus what the "embed" caps did, for a message to the user. */
export interface AudioSourcesResult {
  sources: (string | null)[];
  /** Clips embedded as data: URIs. */
  embedded: number;
  /** Clips linked instead of embedded because they exceed `maxClipBytes`. */
  overClipCap: number;
  /** Clips linked instead of embedded because `maxTotalBytes` was used up. */
  overTotalCap: number;
  maxClipBytes: number;
  maxTotalBytes: number;
}

/** As `audioSources`, and counts the clips that the caps kept from being embedded. */
export function audioSourcesWithCaps(
  paths: readonly (string | null)[],
  options: AudioSourceOptions = {},
): AudioSourcesResult {
  const mode = options.mode ?? "link";
  const htmlDir = resolve(options.htmlDir ?? ".");
  const baseDir = resolve(options.baseDir ?? ".");
  const maxClip = options.maxClipBytes ?? 1 << 20;
  const maxTotal = options.maxTotalBytes ?? 64 << 20;
  let budget = maxTotal;
  let embedded = 0;
  let overClipCap = 0;
  let overTotalCap = 0;
  const sources = paths.map((p) => {
    if (!p) return null;
    if (/^(https?:|data:)/i.test(p)) return p;
    const abs = isAbsolute(p) ? p : resolve(baseDir, p);
    if (mode === "embed") {
      try {
        const size = statSync(abs).size;
        if (size > maxClip) overClipCap++;
        else if (size > budget) overTotalCap++;
        else {
          budget -= size;
          embedded++;
          const mime = MIME[extname(abs).toLowerCase()] ?? "application/octet-stream";
          return `data:${mime};base64,${readFileSync(abs).toString("base64")}`;
        }
      } catch {
        return null;
      }
    }
    return relative(htmlDir, abs).split(sep).map(encodeURIComponent).join("/");
  });
  return {
    sources,
    embedded,
    overClipCap,
    overTotalCap,
    maxClipBytes: maxClip,
    maxTotalBytes: maxTotal,
  };
}

/** One line saying how many clips the caps linked instead of embedding, or null when none. */
export function audioCapMessage(r: AudioSourcesResult): string | null {
  if (r.overClipCap + r.overTotalCap === 0) return null;
  const mib = (b: number) =>
    b >= 1 << 20
      ? `${Number((b / (1 << 20)).toFixed(1))} MiB`
      : b >= 1024
        ? `${Number((b / 1024).toFixed(1))} KiB`
        : `${b} B`;
  const parts = [];
  if (r.overClipCap > 0) parts.push(`${r.overClipCap} over ${mib(r.maxClipBytes)} each`);
  if (r.overTotalCap > 0) parts.push(`${r.overTotalCap} past the ${mib(r.maxTotalBytes)} total`);
  return `audio: ${r.embedded} clips embedded; ${parts.join(" and ")} are linked instead (the page plays them only next to the clips)`;
}
