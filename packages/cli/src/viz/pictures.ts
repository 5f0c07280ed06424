import { writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { playableClipPaths } from "./clips.js";
import type { PointColumns } from "./columns.js";

/** Where to write pictures of a layout; each is optional. */
export interface PictureTargets {
  png?: string;
  svg?: string;
  html?: string;
  /** "link" (relative paths), "embed" (data: URIs) or "none". Default: "link". */
  audio?: "link" | "embed" | "none";
  title: string;
}

/**
 * Writes the static scatter (PNG/SVG, coloured by label, else cluster, else prediction) and
 * the interactive page for a layout. Returns the written paths.
 */
export async function writePictures(
  coords: Float32Array,
  n: number,
  dims: number,
  cols: PointColumns,
  tablePath: string,
  targets: PictureTargets,
): Promise<string[]> {
  const viz = await import("@audiomap/viz");
  const layout = { coords, n, dims };
  const written: string[] = [];
  const [colorName, colorBy] = cols.labels
    ? ["label", cols.labels]
    : cols.clusters
      ? ["cluster", cols.clusters]
      : cols.predictions
        ? ["prediction", cols.predictions]
        : ["none", new Array<string>(n).fill("")];
  if (targets.svg || targets.png) {
    const svg = viz.scatterSvg(layout, colorBy, { title: targets.title, colorName });
    if (targets.svg) {
      await writeFile(targets.svg, svg);
      written.push(targets.svg);
    }
    if (targets.png) {
      await writeFile(targets.png, await viz.svgToPng(svg));
      written.push(targets.png);
    }
  }
  if (targets.html) {
    const mode = targets.audio ?? "link";
    const audioResult =
      cols.paths && mode !== "none"
        ? viz.audioSourcesWithCaps(
            await playableClipPaths(cols.paths, tablePath, {
              mode,
              htmlDir: dirname(targets.html),
            }),
            { mode, htmlDir: dirname(targets.html) },
          )
        : undefined;
    const audio = audioResult?.sources;
    const capMessage = audioResult && viz.audioCapMessage(audioResult);
    if (capMessage) process.stderr.write(`audiomap: ${capMessage}\n`);
    const page = viz.interactiveHtml(layout, {
      title: targets.title,
      meta: {
        id: cols.ids,
        ...(cols.labels && { label: cols.labels }),
        ...(cols.clusters && { cluster: cols.clusters }),
        ...(cols.predictions && { prediction: cols.predictions }),
        ...(cols.paths && { path: cols.paths }),
      },
      ...(audio && { audio }),
    });
    await writeFile(targets.html, page);
    written.push(targets.html);
  }
  return written;
}

/** `--png` given without a file name means "next to the output": layout.parquet → layout.png. */
export function besideOutput(
  flag: string | boolean | undefined,
  output: string,
  ext: string,
): string | undefined {
  if (flag === undefined || flag === false) return undefined;
  if (typeof flag === "string") return flag;
  return output.replace(/\.[^./\\]+$/, "") + ext;
}
