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
  const mode = options.mode ?? "link";
  const htmlDir = resolve(options.htmlDir ?? ".");
  const baseDir = resolve(options.baseDir ?? ".");
  const maxClip = options.maxClipBytes ?? 1 << 20;
  let budget = options.maxTotalBytes ?? 64 << 20;
  return paths.map((p) => {
    if (!p) return null;
    if (/^(https?:|data:)/i.test(p)) return p;
    const abs = isAbsolute(p) ? p : resolve(baseDir, p);
    if (mode === "embed") {
      try {
        const size = statSync(abs).size;
        if (size <= maxClip && size <= budget) {
          budget -= size;
          const mime = MIME[extname(abs).toLowerCase()] ?? "application/octet-stream";
          return `data:${mime};base64,${readFileSync(abs).toString("base64")}`;
        }
      } catch {
        return null;
      }
    }
    return relative(htmlDir, abs).split(sep).map(encodeURIComponent).join("/");
  });
}
