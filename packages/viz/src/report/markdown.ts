import { fmtMetric, pickExamples } from "./examples.js";
import { metricColumns, pct, safeAudioSrc } from "./html.js";
import type { PredictionSummary } from "./predictions.js";
import { METRIC_HEADINGS, type ReportInput } from "./types.js";

/** Escapes text for a Markdown table cell or paragraph (no HTML, no table breaks). */
export function mdEscape(s: string): string {
  return s.replace(/[\\`*_{}[\]()<>#+!|]/g, (c) => `\\${c}`).replace(/\r?\n/g, " ");
}

/** Picture and page files the Markdown report links to, relative to the report folder. */
export interface MarkdownAssets {
  scatters: { caption: string; file: string }[];
  heatmap?: string;
  interactive?: string;
  predictions?: PredictionSummary;
  confusion?: string;
}

/** The report as Markdown, linking to the picture files written next to it. */
export function reportMarkdown(input: ReportInput, assets: MarkdownAssets): string {
  const out: string[] = [];
  const title = input.title ?? "audiomap report";
  out.push(`# ${mdEscape(title)}`, "", "## Dataset and model", "", "| | |", "|---|---|");
  for (const [k, v] of Object.entries(input.summary))
    out.push(`| ${mdEscape(k)} | ${mdEscape(String(v))} |`);
  const cols = metricColumns(input);
  out.push("", `## ${input.runs.length > 1 ? "Comparison" : "Metrics"}`, "");
  out.push(
    `| run | source | n | dim | clusters | ${cols.map((c) => METRIC_HEADINGS[c]).join(" | ")} |`,
  );
  out.push(`|---|---|--:|--:|--:|${cols.map(() => "--:|").join("")}`);
  for (const r of input.runs)
    out.push(
      `| ${mdEscape(r.name)} | ${mdEscape(r.source)} | ${r.n} | ${r.dim} | ${r.nClusters ?? "–"} | ${cols.map((c) => fmtMetric(r.metrics[c])).join(" | ")} |`,
    );
  if (input.notes?.length) out.push("", ...input.notes.map((note) => `> ${mdEscape(note)}`));
  if (assets.scatters.length > 0 || assets.interactive) {
    out.push("", "## Map", "");
    if (assets.interactive)
      out.push(`[Open the interactive map](${encodeURI(assets.interactive)})`, "");
    for (const s of assets.scatters)
      out.push(`![${mdEscape(s.caption)}](${encodeURI(s.file)})`, "");
  }
  if (assets.heatmap)
    out.push(
      "## Clusters versus labels",
      "",
      `![clusters versus labels](${encodeURI(assets.heatmap)})`,
      "",
    );
  const p = assets.predictions;
  if (p) {
    out.push(
      "## Predictions against labels",
      "",
      `Top-1 accuracy **${pct(p.accuracy)}** on ${p.n} clips with both a label and a prediction${p.missing > 0 ? ` (${p.missing} without one of them are left out)` : ""}.`,
      "",
    );
    if (assets.confusion)
      out.push(`![labels versus predictions](${encodeURI(assets.confusion)})`, "");
    out.push("| label | clips | recall | precision |", "|---|--:|--:|--:|");
    p.classes.forEach((c, i) => {
      out.push(
        `| ${mdEscape(c)} | ${p.support[i]} | ${p.support[i]! > 0 ? pct(p.recall[i]!) : "–"} | ${pct(p.precision[i]!)} |`,
      );
    });
    if (p.topConfusions.length > 0) {
      out.push("", "Most frequent mistakes:", "", "| label | predicted | clips |", "|---|---|--:|");
      for (const t of p.topConfusions)
        out.push(`| ${mdEscape(t.label)} | ${mdEscape(t.predicted)} | ${t.count} |`);
    }
    out.push("");
  }
  const groups = pickExamples(input, input.examplesPerCluster ?? 3);
  if (groups.length > 0) {
    out.push(
      "## Examples per cluster",
      "",
      "| cluster | size | top label | examples |",
      "|---|--:|---|---|",
    );
    for (const g of groups) {
      const ex = g.examples
        .map((e) => {
          const src = safeAudioSrc(e.audio);
          const text = mdEscape(`${e.id}${e.label ? ` (${e.label})` : ""}`);
          return src && !src.startsWith("data:") ? `[${text}](${src})` : text;
        })
        .join(", ");
      out.push(`| ${mdEscape(g.cluster)} | ${g.size} | ${mdEscape(g.top)} | ${ex} |`);
    }
    out.push("");
  }
  out.push(
    "## Parameters",
    "",
    "```json",
    JSON.stringify(input.parameters, null, 2).replace(/```/g, "` ` `"),
    "```",
    "",
  );
  return out.join("\n");
}
