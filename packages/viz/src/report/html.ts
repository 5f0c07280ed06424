import { escapeXml } from "../plot/svg.js";
import { fmtMetric, pickExamples } from "./examples.js";
import type { PredictionSummary } from "./predictions.js";
import { METRIC_HEADINGS, type ReportInput } from "./types.js";

/** File names of the pictures a report links to, relative to the report folder. */
export interface ReportAssets {
  /** PNG scatter plots as data: URIs (embedded) with captions. */
  scatters: { caption: string; dataUri: string; file: string }[];
  /** The heat map's SVG source, inlined. */
  heatmapSvg?: string;
  /** The interactive page's file name. */
  interactive?: string;
  /** Predictions against labels, and the confusion matrix's SVG source. */
  predictions?: PredictionSummary;
  confusionSvg?: string;
}

const esc = escapeXml;

/** A URL usable as an audio src: data:audio/… or a relative URL without a scheme. */
export function safeAudioSrc(src: string | null | undefined): string | null {
  if (!src) return null;
  return /^(data:audio\/|[^:]*$)/i.test(src) ? src : null;
}

/** Columns of the metrics table: the metric keys present in any run, in METRIC_HEADINGS order. */
export function metricColumns(input: ReportInput): string[] {
  return Object.keys(METRIC_HEADINGS).filter((k) =>
    input.runs.some((r) => r.metrics[k] !== undefined),
  );
}

/** Share as a percentage with one decimal. */
export function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}

function predictionsHtml(p: PredictionSummary, svg?: string): string {
  const out = [
    "<h2>Predictions against labels</h2>",
    `<p>Top-1 accuracy <b>${pct(p.accuracy)}</b> on ${p.n} clips with both a label and a prediction${p.missing > 0 ? ` (${p.missing} without one of them are left out)` : ""}.</p>`,
  ];
  if (svg) out.push(`<div class="heat">${svg}</div>`);
  out.push(
    '<table class="grid"><tr><th>label</th><th>clips</th><th>recall</th><th>precision</th></tr>',
  );
  p.classes.forEach((c, i) => {
    out.push(
      `<tr><td>${esc(c)}</td><td class="num">${p.support[i]}</td><td class="num">${p.support[i]! > 0 ? pct(p.recall[i]!) : "–"}</td><td class="num">${pct(p.precision[i]!)}</td></tr>`,
    );
  });
  out.push("</table>");
  if (p.topConfusions.length > 0) {
    out.push(
      '<h3>Most frequent mistakes</h3><table class="grid"><tr><th>label</th><th>predicted</th><th>clips</th></tr>',
    );
    for (const t of p.topConfusions)
      out.push(
        `<tr><td>${esc(t.label)}</td><td>${esc(t.predicted)}</td><td class="num">${t.count}</td></tr>`,
      );
    out.push("</table>");
  }
  return out.join("");
}

/** The report as one self-contained HTML document (pictures embedded, no network). */
export function reportHtml(input: ReportInput, assets: ReportAssets): string {
  const title = input.title ?? "audiomap report";
  const cols = metricColumns(input);
  const parts: string[] = [];
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push('<h2>Dataset and model</h2><table class="kv">');
  for (const [k, v] of Object.entries(input.summary))
    parts.push(`<tr><th>${esc(k)}</th><td>${esc(String(v))}</td></tr>`);
  parts.push("</table>");

  parts.push(
    `<h2>${input.runs.length > 1 ? "Comparison" : "Metrics"}</h2><table class="grid"><tr><th>run</th><th>source</th><th>n</th><th>dim</th><th>clusters</th>`,
  );
  for (const c of cols) parts.push(`<th>${esc(METRIC_HEADINGS[c]!)}</th>`);
  parts.push("</tr>");
  const best = new Map(
    cols.map((c) => [c, Math.max(...input.runs.map((r) => r.metrics[c] ?? -Infinity))]),
  );
  for (const r of input.runs) {
    parts.push(
      `<tr><td>${esc(r.name)}</td><td class="path">${esc(r.source)}</td><td>${r.n}</td><td>${r.dim}</td><td>${r.nClusters ?? "–"}</td>`,
    );
    for (const c of cols) {
      const v = r.metrics[c];
      const isBest = input.runs.length > 1 && v !== undefined && v === best.get(c);
      parts.push(`<td class="num${isBest ? " best" : ""}">${fmtMetric(v)}</td>`);
    }
    parts.push("</tr>");
  }
  parts.push("</table>");
  parts.push(
    '<p class="note">Silhouette is measured on the embeddings with the found clusters; ARI, NMI, homogeneity, completeness, V-measure and purity compare clusters with labels; trustworthiness (k = 15) scores how well the layout keeps embedding neighbours (the layout is made for the first run only).</p>',
  );
  for (const note of input.notes ?? []) parts.push(`<p class="note">${esc(note)}</p>`);

  if (assets.scatters.length > 0 || assets.interactive) {
    parts.push("<h2>Map</h2>");
    if (assets.interactive)
      parts.push(
        `<p><a href="${esc(assets.interactive)}">Open the interactive map</a> (hover for metadata, click to listen, lasso to export ids).</p>`,
      );
    parts.push('<div class="figs">');
    for (const s of assets.scatters)
      parts.push(
        `<figure><img src="${esc(s.dataUri)}" alt="${esc(s.caption)}"><figcaption>${esc(s.caption)}</figcaption></figure>`,
      );
    parts.push("</div>");
  }
  if (assets.heatmapSvg)
    parts.push(`<h2>Clusters versus labels</h2><div class="heat">${assets.heatmapSvg}</div>`);

  if (assets.predictions) parts.push(predictionsHtml(assets.predictions, assets.confusionSvg));

  const k = input.examplesPerCluster ?? 3;
  const groups = pickExamples(input, k);
  if (groups.length > 0) {
    parts.push(
      `<h2>Examples per cluster</h2><table class="grid"><tr><th>cluster</th><th>size</th><th>top label</th><th>examples</th></tr>`,
    );
    for (const g of groups) {
      const ex = g.examples
        .map((e) => {
          const src = safeAudioSrc(e.audio);
          const audio = src ? `<audio controls preload="none" src="${esc(src)}"></audio>` : "";
          return `<div class="ex"><span class="exid">${esc(e.id)}</span> <span class="lab">${esc(e.label ?? "")}</span>${audio}</div>`;
        })
        .join("");
      parts.push(
        `<tr><td>${esc(g.cluster)}</td><td>${g.size}</td><td>${esc(g.top)}</td><td>${ex}</td></tr>`,
      );
    }
    parts.push("</table>");
  }

  parts.push(`<h2>Parameters</h2><pre>${esc(JSON.stringify(input.parameters, null, 2))}</pre>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src 'self' data: file: http: https:">
<title>${esc(title)}</title>
<style>
body{font:14px/1.5 "DejaVu Sans",system-ui,sans-serif;color:#222;max-width:1200px;margin:24px auto;padding:0 16px}
h1{font-size:24px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
table.kv th{color:#666;font-weight:normal}td.num{text-align:right;font-variant-numeric:tabular-nums}td.best{font-weight:bold}
td.path{color:#666;word-break:break-all;max-width:280px}.note{color:#666;font-size:12px}
.figs{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;flex:1 1 480px;max-width:580px}figure img{width:100%;border:1px solid #eee}figcaption{color:#666;font-size:12px}
.ex{display:flex;align-items:center;gap:8px;margin:2px 0}.exid{font-family:"DejaVu Sans Mono",monospace;font-size:12px}.lab{color:#666}
audio{height:28px}pre{background:#f6f6f6;padding:8px;overflow:auto}.heat{overflow:auto}
</style></head><body>
${parts.join("\n")}
</body></html>
`;
}
