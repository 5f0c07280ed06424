import { escapeXml, FONT_FAMILY, num } from "../plot/svg.js";

/** A cluster × label count table. */
export interface ClusterLabelTable {
  /** Cluster names (rows). */
  rows: string[];
  /** Label names (columns). */
  cols: string[];
  /** Row-major counts, rows × cols. */
  counts: Int32Array;
}

const collator = new Intl.Collator("en", { numeric: true });

/**
 * Counts how often each cluster meets each label. Rows are ordered so that clusters whose
 * dominant label comes first in the label order come first, which puts the big counts on
 * the diagonal when clusters match labels.
 */
export function clusterLabelTable(
  clusters: readonly string[],
  labels: readonly string[],
): ClusterLabelTable {
  if (clusters.length !== labels.length)
    throw new RangeError(`clusters has ${clusters.length} values, labels ${labels.length}`);
  const cols = [...new Set(labels)].sort(collator.compare);
  const colIdx = new Map(cols.map((c, i) => [c, i]));
  const rowNames = [...new Set(clusters)].sort(collator.compare);
  const rowIdx = new Map(rowNames.map((r, i) => [r, i]));
  const raw = new Int32Array(rowNames.length * cols.length);
  for (let i = 0; i < clusters.length; i++)
    raw[rowIdx.get(clusters[i]!)! * cols.length + colIdx.get(labels[i]!)!]!++;
  const dominant = rowNames.map((_, r) => {
    let best = 0;
    for (let c = 1; c < cols.length; c++)
      if (raw[r * cols.length + c]! > raw[r * cols.length + best]!) best = c;
    return best;
  });
  const noise = (s: string) => s === "-1" || s === "noise";
  const order = rowNames
    .map((_, r) => r)
    .sort(
      (a, b) =>
        Number(noise(rowNames[a]!)) - Number(noise(rowNames[b]!)) ||
        dominant[a]! - dominant[b]! ||
        a - b,
    );
  const counts = new Int32Array(raw.length);
  order.forEach((r, k) => {
    counts.set(raw.subarray(r * cols.length, (r + 1) * cols.length), k * cols.length);
  });
  return { rows: order.map((r) => rowNames[r]!), cols, counts };
}

/**
 * Draws a contingency table as an SVG heat map: each cell's shade is the fraction of its
 * cluster (row) that has that label, so a pure cluster is one dark cell in its row.
 */
export function heatmapSvg(
  t: ClusterLabelTable,
  title = "Clusters × labels",
  axes: { row: string; col: string } = { row: "cluster", col: "label" },
): string {
  const cell = Math.max(
    12,
    Math.min(28, Math.floor(720 / Math.max(t.cols.length, t.rows.length, 1))),
  );
  const longestCol = Math.max(...t.cols.map((c) => Math.min(c.length, 18)), 4);
  const longestRow = Math.max(...t.rows.map((r) => Math.min(r.length, 12)), 4);
  const left = 24 + longestRow * 7.5;
  const top = 44 + longestCol * 6.5;
  const width = Math.ceil(left + t.cols.length * cell + 80);
  const height = Math.ceil(top + t.rows.length * cell + 20);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold" fill="#222">${escapeXml(title)}</text>`,
    `<text x="8" y="36" font-size="11" fill="#666">${escapeXml(`row: ${axes.row} · column: ${axes.col} · shade: share of the row`)}</text>`,
  ];
  const fs = Math.min(11, cell - 3);
  t.cols.forEach((c, j) => {
    const x = left + j * cell + cell / 2 + 4;
    out.push(
      `<text transform="translate(${num(x)},${num(top - 6)}) rotate(-60)" font-size="${fs}" fill="#333">${escapeXml(trim(c, 18))}</text>`,
    );
  });
  t.rows.forEach((r, i) => {
    const y = top + i * cell;
    out.push(
      `<text x="${num(left - 6)}" y="${num(y + cell / 2 + 4)}" font-size="${fs}" text-anchor="end" fill="#333">${escapeXml(trim(r, 12))}</text>`,
    );
    let total = 0;
    for (let j = 0; j < t.cols.length; j++) total += t.counts[i * t.cols.length + j]!;
    for (let j = 0; j < t.cols.length; j++) {
      const count = t.counts[i * t.cols.length + j]!;
      const share = total > 0 ? count / total : 0;
      out.push(
        `<rect x="${num(left + j * cell)}" y="${num(y)}" width="${cell}" height="${cell}" fill="${shade(share)}" stroke="#fff" stroke-width="1"><title>${escapeXml(`${axes.row} ${r} · ${axes.col} ${t.cols[j]}: ${count}`)}</title></rect>`,
      );
      if (count > 0 && cell >= 20)
        out.push(
          `<text x="${num(left + j * cell + cell / 2)}" y="${num(y + cell / 2 + 3.5)}" font-size="${Math.min(10, cell - 10)}" text-anchor="middle" fill="${share > 0.5 ? "#fff" : "#333"}">${count}</text>`,
        );
    }
    out.push(
      `<text x="${num(left + t.cols.length * cell + 6)}" y="${num(y + cell / 2 + 4)}" font-size="${fs}" fill="#888">${total}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function trim(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** White → deep blue. */
function shade(t: number): string {
  const a = [247, 251, 255];
  const b = [8, 48, 107];
  const v = Math.sqrt(Math.min(1, Math.max(0, t)));
  return `rgb(${a.map((x, k) => Math.round(x + (b[k]! - x) * v)).join(",")})`;
}
