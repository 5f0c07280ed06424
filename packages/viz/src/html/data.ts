import { categorize, matchedColors } from "../plot/categories.js";
import type { Layout } from "../plot/scatter.js";
import { neutralizeBidi } from "../plot/svg.js";

/** A metadata cell: text, a number, or missing. */
export type PageValue = string | number | null;

/** Metadata shown for each point; every field optional, one entry per point. */
export interface PointMeta {
  id?: readonly string[];
  label?: readonly string[];
  cluster?: readonly string[];
  prediction?: readonly string[];
  path?: readonly string[];
  /**
   * Any other columns (duration, score, speaker, ...). A column whose cells are all numbers (or
   * missing) is offered as a continuous colouring with a colour scale and a range filter; any
   * other column with at most MAX_CATEGORIES distinct values as a categorical colouring. All of
   * them show in the tooltip and are searched.
   */
  columns?: Readonly<Record<string, readonly PageValue[]>>;
}

/** Text columns with more distinct values than this are shown and searched, not coloured. */
export const MAX_CATEGORIES = 64;

/** The JSON payload embedded in the page (see client.ts for the reader). */
export interface PagePayload {
  title: string;
  n: number;
  dims: number;
  /** Base64 of the row-major float32 coordinates (little-endian). */
  coords: string;
  /** Text columns shown in the tooltip, in display order. */
  fields: { name: string; values: string[] }[];
  /** Colourings: categories with colours and each point's category index. */
  colorings: {
    name: string;
    names: string[];
    colors: string[];
    counts: number[];
    index: number[];
  }[];
  /** Audio source per point (relative URL or data: URI), or null; empty when there is no audio. */
  audio: (string | null)[];
  /**
   * Continuous columns: base64 of little-endian float32 values (NaN where missing), with the
   * range of the finite ones.
   */
  numeric: { name: string; values: string; min: number; max: number; missing: number }[];
  /**
   * Each point's k nearest other points in embedding space (not in the layout), nearest first:
   * base64 of little-endian int32 indices and float32 distances, both n × k row-major.
   */
  neighbors?: { k: number; indices: string; distances: string };
}

/** Embedding-space neighbour lists for the page (see `knn`). */
export interface PageNeighbors {
  k: number;
  /** n × k indices, nearest first. */
  indices: ArrayLike<number>;
  /** n × k distances. */
  distances: ArrayLike<number>;
}

/** Up to 6 significant digits, without a trailing exponent for ordinary values. */
function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function base64Of(view: Int32Array | Float32Array): string {
  return Buffer.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).toString(
    "base64",
  );
}

/** Checks and encodes neighbour lists for n points. */
export function encodeNeighbors(
  nb: PageNeighbors,
  n: number,
): NonNullable<PagePayload["neighbors"]> {
  const { k } = nb;
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`neighbors.k must be a positive integer, got ${k}`);
  if (nb.indices.length !== n * k || nb.distances.length !== n * k)
    throw new RangeError(
      `neighbors has ${nb.indices.length} indices and ${nb.distances.length} distances, expected ${n} × ${k}`,
    );
  const indices = Int32Array.from(nb.indices);
  for (const j of indices)
    if (!(j >= 0 && j < n)) throw new RangeError(`neighbor index ${j} is outside [0, ${n})`);
  return { k, indices: base64Of(indices), distances: base64Of(Float32Array.from(nb.distances)) };
}

/** Builds the payload; colourings are made for label, cluster and prediction when present. */
export function buildPayload(
  layout: Layout,
  meta: PointMeta,
  title: string,
  audio: (string | null)[],
  neighbors?: PageNeighbors,
): PagePayload {
  const { n, dims, coords } = layout;
  const fields: PagePayload["fields"] = [];
  for (const name of ["id", "label", "cluster", "prediction", "path"] as const) {
    const v = meta[name];
    if (!v) continue;
    if (v.length !== n) throw new RangeError(`meta.${name} has ${v.length} values, expected ${n}`);
    // Display text only: bidi controls are made visible (audio URLs are kept apart, as given).
    fields.push({ name, values: v.map(neutralizeBidi) });
  }
  if (!meta.id)
    fields.unshift({ name: "id", values: Array.from({ length: n }, (_, i) => String(i)) });
  const colorings: PagePayload["colorings"] = [];
  const labelCats = meta.label ? categorize(meta.label) : undefined;
  for (const name of ["label", "cluster", "prediction"] as const) {
    const v = meta[name];
    if (!v) continue;
    // Clusters and predictions reuse the colours of the labels they match.
    const c =
      name === "label" || !labelCats || !meta.label
        ? labelCats && name === "label"
          ? labelCats
          : categorize(v)
        : categorize(v, matchedColors(v, meta.label, labelCats));
    colorings.push({
      name,
      names: c.names.map(neutralizeBidi),
      colors: c.colors,
      counts: c.counts,
      index: Array.from(c.index),
    });
  }
  const numeric: PagePayload["numeric"] = [];
  for (const [rawName, values] of Object.entries(meta.columns ?? {})) {
    const name = neutralizeBidi(rawName);
    if (values.length !== n)
      throw new RangeError(`meta.columns.${rawName} has ${values.length} values, expected ${n}`);
    if (fields.some((f) => f.name === name)) continue;
    const isNumeric =
      values.some((v) => v !== null) && values.every((v) => v === null || typeof v === "number");
    fields.push({
      name,
      values: values.map((v) =>
        v === null ? "" : isNumeric ? formatNumber(v as number) : neutralizeBidi(String(v)),
      ),
    });
    if (isNumeric) {
      const f = Float32Array.from(values, (v) =>
        v === null || !Number.isFinite(v) ? Number.NaN : (v as number),
      );
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      let missing = 0;
      for (const v of f) {
        if (Number.isNaN(v)) missing++;
        else {
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
      numeric.push({ name, values: base64Of(f), min, max, missing });
    } else {
      const text = values.map((v) => (v === null ? "(missing)" : String(v)));
      if (new Set(text).size > MAX_CATEGORIES) continue;
      const c = categorize(text);
      colorings.push({
        name,
        names: c.names.map(neutralizeBidi),
        colors: c.colors,
        counts: c.counts,
        index: Array.from(c.index),
      });
    }
  }
  if (colorings.length === 0)
    colorings.push({
      name: "none",
      names: ["all"],
      colors: ["#4e79a7"],
      counts: [n],
      index: new Array(n).fill(0),
    });
  const bytes = new Uint8Array(coords.buffer, coords.byteOffset, coords.byteLength);
  return {
    title: neutralizeBidi(title),
    n,
    dims,
    coords: Buffer.from(bytes).toString("base64"),
    fields,
    colorings,
    audio,
    numeric,
    ...(neighbors && { neighbors: encodeNeighbors(neighbors, n) }),
  };
}

/**
 * Serialises JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the
 * JavaScript line separators are escaped as \\uXXXX so no value can close the script element.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
