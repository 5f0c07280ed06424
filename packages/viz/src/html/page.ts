import type { Layout } from "../plot/scatter.js";
import { escapeXml } from "../plot/svg.js";
import { clientMain } from "./client.js";
import { buildPayload, type PageNeighbors, type PointMeta, safeJson } from "./data.js";
import { PAGE_CSS } from "./style.js";

/** Options for `interactiveHtml`. */
export interface InteractiveHtmlOptions {
  /** Page title. Default: "audiomap". */
  title?: string;
  /** Per-point metadata for the tooltip, colouring and search. */
  meta?: PointMeta;
  /**
   * Audio source per point: a URL relative to the HTML file, a `data:audio/...` URI, or null.
   * Default: no audio. `audioSources()` builds this list from file paths.
   */
  audio?: (string | null)[];
  /**
   * Each point's nearest neighbours in embedding space (from `knn` on the embeddings, not the
   * layout). With them, clicking a point lists its neighbours, each playable. Default: none.
   */
  neighbors?: PageNeighbors;
}

/**
 * Builds ONE self-contained HTML page (no network, no CDN) showing the layout as a WebGL
 * scatter: hover for metadata, click to play the clip, colour by label/cluster/prediction,
 * search, legend toggles, a lasso (shift-drag) whose selected ids export as .txt/.json, and,
 * with `neighbors`, the clicked clip's nearest clips in embedding space.
 * @example writeFileSync("map.html", interactiveHtml(layout, { meta: { label, path } }));
 */
export function interactiveHtml(layout: Layout, options: InteractiveHtmlOptions = {}): string {
  const title = options.title ?? "audiomap";
  const audio = options.audio ?? [];
  if (audio.length !== 0 && audio.length !== layout.n)
    throw new RangeError(`audio has ${audio.length} entries, expected ${layout.n}`);
  const payload = buildPayload(layout, options.meta ?? {}, title, audio, options.neighbors);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; media-src 'self' data: blob: file: http: https:; img-src data: blob:">
<title>${escapeXml(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<div id="app">
<header>
  <h1 id="title"></h1>
  <span id="point-count"></span>
  <label>colour <select id="color-by"></select></label>
  <label>view <select id="view"></select></label>
  <input id="search" type="search" placeholder="search id, label, path…" aria-label="search">
  <label title="or hold Shift while dragging"><input id="lasso-mode" type="checkbox"> lasso</label>
  <button id="reset" type="button">reset view</button>
  <button id="toggle-table" type="button" aria-pressed="false">table</button>
  <span id="selection"><span id="selection-count"></span>
    <button id="export-txt" type="button">export .txt</button>
    <button id="export-json" type="button">export .json</button>
    <button id="clear-selection" type="button">clear</button></span>
</header>
<div id="stage"><canvas id="plot"></canvas><canvas id="overlay"></canvas><div id="tooltip"></div></div>
<section id="table-panel" hidden><div id="table-bar"><span id="table-count"></span><span class="hint">click a column to sort, a row to find the clip; search and filters apply</span></div>
  <div id="table-head"></div><div id="table-body"><div id="table-rows"></div></div></section>
<aside><div id="layers"><label title="category names at the centre of their points"><input id="show-names" type="checkbox"> names</label>
  <label title="density contours of the shown points"><input id="show-contours" type="checkbox"> contours</label></div>
  <h2 id="legend-title"></h2><div id="legend"></div>
  <section id="confusion-panel" hidden><h2>Label × prediction <span id="accuracy"></span></h2>
  <label><input id="mismatches" type="checkbox"> mismatches only</label>
  <div id="confusion-box"></div><div class="hint">click a cell: show only those clips</div></section>
  <section id="filters-panel" hidden><h2>Filter</h2><div id="filters"></div></section>
  <section id="neighbors-panel" hidden><h2>Nearest in embedding space</h2>
  <div id="neighbors-of"></div><ol id="neighbors"></ol></section></aside>
<footer><span id="shown-count"></span><span class="hint">drag: pan · wheel: zoom · shift-drag: lasso · click: play</span>
  <audio id="player" controls preload="none"></audio><span id="now-playing"></span>
  <span class="hint" style="margin-left:auto">renderer: <span id="renderer"></span></span></footer>
</div>
<script type="application/json" id="audiomap-data">${safeJson(payload)}</script>
<script>
var __name = function (f) { return f; };
(${clientMain.toString()})();
</script>
</body>
</html>
`;
}
