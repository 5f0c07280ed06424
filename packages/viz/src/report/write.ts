import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { interactiveHtml } from "../html/page.js";
import { matchedColors } from "../plot/categories.js";
import { svgToPng } from "../plot/png.js";
import { scatterSvg } from "../plot/scatter.js";
import { clusterLabelTable, heatmapSvg } from "./heatmap.js";
import { type ReportAssets, reportHtml } from "./html.js";
import { type MarkdownAssets, reportMarkdown } from "./markdown.js";
import { confusionTable, type PredictionSummary, predictionSummary } from "./predictions.js";
import type { ReportInput } from "./types.js";

/** Paths of the files `writeReport` wrote. */
export interface ReportFiles {
  html: string;
  markdown: string;
  metrics: string;
  pictures: string[];
  interactive?: string;
  /** Written when the input has both labels and predictions. */
  confusion?: string;
}

/**
 * Writes a report folder: `index.html` (self-contained), `report.md`, `metrics.json`, the
 * scatter plots as PNG and SVG (by label and by cluster), `heatmap.svg` and the interactive
 * `map.html`; with labels and predictions, also `confusion.svg` and a "Predictions" section
 * (top-1 accuracy, per-class recall and precision, the largest confusions). Audio sources in `input.audio` must be relative to `dir` (or data: URIs).
 */
export async function writeReport(dir: string, input: ReportInput): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const pictures: string[] = [];
  const html: ReportAssets = { scatters: [] };
  const md: MarkdownAssets = { scatters: [] };
  const title = input.title ?? "audiomap report";
  if (input.layout) {
    const colourings: [string, string[] | undefined][] = [
      ["label", input.labels],
      ["cluster", input.clusters],
    ];
    for (const [name, values] of colourings) {
      if (!values) continue;
      // Cluster colours follow the labels they mostly hold, so the two pictures compare at a glance.
      const colors =
        name === "cluster" && input.labels ? matchedColors(values, input.labels) : undefined;
      const svg = scatterSvg(input.layout, values, {
        title,
        colorName: name,
        ...(colors && { colors }),
      });
      const png = await svgToPng(svg, { scale: 1.5 });
      const base = `scatter-${name}`;
      await writeFile(join(dir, `${base}.svg`), svg);
      await writeFile(join(dir, `${base}.png`), png);
      pictures.push(join(dir, `${base}.svg`), join(dir, `${base}.png`));
      const caption = `UMAP coloured by ${name}`;
      html.scatters.push({
        caption,
        file: `${base}.png`,
        dataUri: `data:image/png;base64,${Buffer.from(png).toString("base64")}`,
      });
      md.scatters.push({ caption, file: `${base}.png` });
    }
    const page = interactiveHtml(input.layout, {
      title,
      meta: {
        ...(input.ids && { id: input.ids }),
        ...(input.labels && { label: input.labels }),
        ...(input.clusters && { cluster: input.clusters }),
        ...(input.predictions && { prediction: input.predictions }),
        ...(input.paths && { path: input.paths }),
        ...(input.columns && { columns: input.columns }),
      },
      ...(input.audio && { audio: input.audio }),
      ...(input.neighbors && { neighbors: input.neighbors }),
    });
    await writeFile(join(dir, "map.html"), page);
    html.interactive = md.interactive = "map.html";
  }
  if (input.labels && input.clusters) {
    const heat = heatmapSvg(clusterLabelTable(input.clusters, input.labels));
    await writeFile(join(dir, "heatmap.svg"), heat);
    pictures.push(join(dir, "heatmap.svg"));
    html.heatmapSvg = heat;
    md.heatmap = "heatmap.svg";
  }
  let predictions: PredictionSummary | undefined;
  if (input.labels && input.predictions) {
    predictions = predictionSummary(input.labels, input.predictions);
    if (predictions) {
      const svg = heatmapSvg(confusionTable(predictions), "Labels × predictions", {
        row: "label",
        col: "predicted",
      });
      await writeFile(join(dir, "confusion.svg"), svg);
      pictures.push(join(dir, "confusion.svg"));
      html.predictions = md.predictions = predictions;
      html.confusionSvg = svg;
      md.confusion = "confusion.svg";
    }
  }
  const files: ReportFiles = {
    html: join(dir, "index.html"),
    markdown: join(dir, "report.md"),
    metrics: join(dir, "metrics.json"),
    pictures,
    ...(html.interactive && { interactive: join(dir, html.interactive) }),
    ...(predictions && { confusion: join(dir, "confusion.svg") }),
  };
  await writeFile(files.html, reportHtml(input, html));
  await writeFile(files.markdown, reportMarkdown(input, md));
  await writeFile(
    files.metrics,
    `${JSON.stringify(
      {
        title,
        summary: input.summary,
        runs: input.runs,
        ...(predictions && { predictions }),
        parameters: input.parameters,
      },
      null,
      2,
    )}\n`,
  );
  return files;
}
