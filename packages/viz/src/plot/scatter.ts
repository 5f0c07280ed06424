import { type Categories, categorize } from "./categories.js";
import { escapeXml, FONT_FAMILY, num } from "./svg.js";

/** Options for `scatterSvg`. */
export interface ScatterOptions {
  /** Title drawn at the top. Default: none. */
  title?: string;
  /** Smaller line under the title. Default: `"<n> points · colour: <colorName>"`. */
  subtitle?: string;
  /** Name of the colouring shown in the default subtitle, e.g. "label". Default: "class". */
  colorName?: string;
  /**
   * Longer side of a panel, px; a 2-D panel's other side follows the data's aspect ratio.
   * Default: 720 for 2-D, 420 per (square) 3-D view.
   */
  panelSize?: number;
  /** Point radius, px. Default: chosen from the point count (1–4.5). */
  pointRadius?: number;
  /** Point opacity. Default: chosen from the point count (0.5–0.9). */
  opacity?: number;
  /** Colours pinned by category name (see `matchedColors`). Default: palette order. */
  colors?: Readonly<Record<string, string>>;
  /** Legend entries shown at most; the rest are summed into "+ k more". Default: 60. */
  maxLegend?: number;
}

/**
 * A layout as the scatter needs it: row-major `n × dims` coordinates (dims 2 or 3).
 */
export interface Layout {
  coords: Float32Array;
  n: number;
  dims: number;
}

const PAD = 16;
const TITLE_H = 54;

/**
 * Draws a layout as a standalone SVG scatter plot coloured by category, with a legend and
 * no axes (UMAP axes carry no units). A 3-D layout is drawn as its three pairwise views
 * (x–y, x–z, y–z). The output depends only on the inputs: same input, same bytes.
 * @example writeFileSync("umap.svg", scatterSvg(layout, labels, { title: "Keywords" }));
 */
export function scatterSvg(
  layout: Layout,
  colorBy: readonly string[],
  options: ScatterOptions = {},
): string {
  const { coords, n, dims } = layout;
  if (dims !== 2 && dims !== 3) throw new RangeError(`layout dims must be 2 or 3, got ${dims}`);
  if (coords.length !== n * dims)
    throw new RangeError(`coords has ${coords.length} values, expected ${n * dims}`);
  if (colorBy.length !== n)
    throw new RangeError(`colorBy has ${colorBy.length} values, expected ${n}`);
  const cats = categorize(colorBy, options.colors);
  const views: [number, number][] =
    dims === 2
      ? [[0, 1]]
      : [
          [0, 1],
          [0, 2],
          [1, 2],
        ];
  const panel = options.panelSize ?? (dims === 2 ? 720 : 420);
  const r = options.pointRadius ?? clamp(2.2 * (10000 / Math.max(n, 1)) ** 0.25, 1, 4.5);
  const opacity = options.opacity ?? clamp(1.2 - Math.log10(Math.max(n, 10)) * 0.15, 0.5, 0.9);

  const boxes = views.map(([a, b]) => bounds(coords, n, dims, a, b));
  const [pw, ph] = dims === 2 ? panelShape(boxes[0]!, panel) : [panel, panel];
  // One scale for all views of a 3-D layout, so distances compare across panels.
  const scale = Math.min(...boxes.map((bb) => fitScale(bb, pw, ph, r)));
  const legend = legendLayout(cats, options.maxLegend ?? 60, Math.max(ph, 360));
  const panelsW = views.length * pw + (views.length - 1) * PAD;
  const labelH = dims === 3 ? 22 : 0;
  const width = PAD * 2 + panelsW + (legend.width > 0 ? PAD + legend.width : 0);
  const height = Math.max(TITLE_H + labelH + ph, TITLE_H + legend.height) + PAD;
  const order = drawOrder(n);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  if (options.title)
    out.push(
      `<text x="${PAD}" y="28" font-size="20" font-weight="bold" fill="#222">${escapeXml(options.title)}</text>`,
    );
  const subtitle =
    options.subtitle ??
    `${n.toLocaleString("en-US")} points · colour: ${options.colorName ?? "class"}`;
  out.push(
    `<text x="${PAD}" y="${options.title ? 47 : 28}" font-size="13" fill="#666">${escapeXml(subtitle)}</text>`,
  );

  views.forEach(([a, b], v) => {
    const x0 = PAD + v * (pw + PAD);
    const y0 = TITLE_H + labelH;
    if (dims === 3) {
      const axes = "xyz";
      out.push(
        `<text x="${x0 + panel / 2}" y="${TITLE_H + 14}" font-size="13" fill="#444" text-anchor="middle">${axes[a]}–${axes[b]}</text>`,
        `<rect x="${x0}" y="${y0}" width="${panel}" height="${panel}" fill="none" stroke="#e3e3e3"/>`,
      );
    }
    out.push(`<g fill-opacity="${num(opacity)}">`);
    const map = fit(boxes[v]!, pw, ph, x0, y0, scale);
    for (const i of order) {
      const px = map.x(coords[i * dims + a]!);
      const py = map.y(coords[i * dims + b]!);
      out.push(
        `<circle cx="${num(px, 1)}" cy="${num(py, 1)}" r="${num(r)}" fill="${cats.colors[cats.index[i]!]}"/>`,
      );
    }
    out.push("</g>");
  });
  if (legend.width > 0) out.push(...legend.draw(PAD * 2 + panelsW, TITLE_H + labelH));
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** A fixed pseudo-random order, so no class is systematically painted over the others. */
function drawOrder(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let s = 0x9e3779b9;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

interface Bounds {
  minA: number;
  maxA: number;
  minB: number;
  maxB: number;
}

function bounds(coords: Float32Array, n: number, dims: number, a: number, b: number): Bounds {
  const out = { minA: Infinity, maxA: -Infinity, minB: Infinity, maxB: -Infinity };
  for (let i = 0; i < n; i++) {
    const va = coords[i * dims + a]!;
    const vb = coords[i * dims + b]!;
    if (va < out.minA) out.minA = va;
    if (va > out.maxA) out.maxA = va;
    if (vb < out.minB) out.minB = vb;
    if (vb > out.maxB) out.maxB = vb;
  }
  return n === 0 ? { minA: 0, maxA: 0, minB: 0, maxB: 0 } : out;
}

/**
 * Panel size for a 2-D layout: the longer side is `size`, the shorter follows the data's
 * aspect ratio (at least 55% of `size`), so a tall or wide layout leaves no empty band.
 */
function panelShape(bb: Bounds, size: number): [number, number] {
  const spanA = bb.maxA - bb.minA || 1;
  const spanB = bb.maxB - bb.minB || 1;
  const ratio = spanB / spanA;
  return ratio > 1
    ? [Math.round(size * Math.max(1 / ratio, 0.55)), size]
    : [size, Math.round(size * Math.max(ratio, 0.55))];
}

/** The largest scale at which `bb` fits a w × h panel with a margin. */
function fitScale(bb: Bounds, w: number, h: number, r: number): number {
  const m = 2 * (r + 8);
  return Math.min((w - m) / (bb.maxA - bb.minA || 1), (h - m) / (bb.maxB - bb.minB || 1));
}

/** Maps two coordinates into a w × h panel with equal scales, centred, with a margin. */
function fit(bb: Bounds, w: number, h: number, x0: number, y0: number, scale: number) {
  const cx = x0 + w / 2;
  const cy = y0 + h / 2;
  const ma = (bb.minA + bb.maxA) / 2;
  const mb = (bb.minB + bb.maxB) / 2;
  // SVG's y axis points down; flip so larger values are drawn higher, as on a chart.
  return { x: (v: number) => cx + (v - ma) * scale, y: (v: number) => cy - (v - mb) * scale };
}

function legendLayout(cats: Categories, maxEntries: number, panel: number) {
  const rowH = 18;
  const shown = cats.names.length > maxEntries ? maxEntries - 1 : cats.names.length;
  const extra = cats.names.length - shown;
  const entries = shown + (extra > 0 ? 1 : 0);
  if (entries <= 1 && cats.names[0] === "(none)") return { width: 0, height: 0, draw: () => [] };
  const perCol = Math.max(1, Math.floor(panel / rowH));
  const cols = Math.ceil(entries / perCol);
  const rows = Math.ceil(entries / cols);
  const longest = Math.max(...cats.names.slice(0, shown).map((s) => Math.min(s.length, 22)), 6);
  const colW = 22 + longest * 7.2 + 12;
  const width = cols * colW;
  const height = rows * rowH;
  const draw = (x: number, y: number): string[] => {
    const out = [`<g font-size="12" fill="#333">`];
    for (let e = 0; e < entries; e++) {
      const cx = x + Math.floor(e / rows) * colW;
      const cy = y + (e % rows) * rowH + rowH / 2;
      if (e < shown) {
        const name = cats.names[e]!;
        const text = name.length > 22 ? `${name.slice(0, 21)}…` : name;
        out.push(
          `<circle cx="${num(cx + 6)}" cy="${num(cy)}" r="5" fill="${cats.colors[e]}"/>`,
          `<text x="${num(cx + 16)}" y="${num(cy + 4)}">${escapeXml(text)}</text>`,
        );
      } else {
        out.push(`<text x="${num(cx + 16)}" y="${num(cy + 4)}" fill="#777">+ ${extra} more</text>`);
      }
    }
    out.push("</g>");
    return out;
  };
  return { width, height, draw };
}
