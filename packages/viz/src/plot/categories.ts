import { categoricalPalette, NOISE_COLOR } from "./palette.js";

/** Values that mean "no class": drawn grey, listed last in legends. */
const NOISE_VALUES = new Set(["-1", "noise", ""]);

/** Categories of a colour column with their colours and per-point category index. */
export interface Categories {
  /** Category names in legend order. */
  names: string[];
  /** Colour per category, same order as `names`. */
  colors: string[];
  /** Points per category. */
  counts: number[];
  /** Category index of each point. */
  index: Int32Array;
}

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/**
 * Groups `values` into categories sorted in natural order (so cluster "10" follows "9"),
 * with noise (`-1`, `noise`, empty) last and grey.
 */
export function categorize(values: readonly string[]): Categories {
  const uniq = [...new Set(values)].sort((a, b) => {
    const na = NOISE_VALUES.has(a);
    const nb = NOISE_VALUES.has(b);
    if (na !== nb) return na ? 1 : -1;
    return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
  });
  const pos = new Map(uniq.map((v, i) => [v, i]));
  const index = new Int32Array(values.length);
  const counts = new Array<number>(uniq.length).fill(0);
  values.forEach((v, i) => {
    const k = pos.get(v)!;
    index[i] = k;
    counts[k]!++;
  });
  const nClasses = uniq.filter((v) => !NOISE_VALUES.has(v)).length;
  const palette = categoricalPalette(nClasses);
  const colors = uniq.map((v, i) => (NOISE_VALUES.has(v) ? NOISE_COLOR : palette[i]!));
  const names = uniq.map((v) => (v === "" ? "(none)" : v === "-1" ? "noise" : v));
  return { names, colors, counts, index };
}
