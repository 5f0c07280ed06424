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
 * with noise (`-1`, `noise`, empty) last and grey. `fixed` pins colours by name (see
 * `matchedColors`); the other categories get palette colours that `fixed` does not use.
 */
export function categorize(
  values: readonly string[],
  fixed: Readonly<Record<string, string>> = {},
): Categories {
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
  const taken = new Set(Object.values(fixed));
  const palette = categoricalPalette(nClasses + taken.size).filter((c) => !taken.has(c));
  let next = 0;
  const colors = uniq.map((v) =>
    NOISE_VALUES.has(v) ? NOISE_COLOR : Object.hasOwn(fixed, v) ? fixed[v]! : palette[next++]!,
  );
  const names = uniq.map((v) => (v === "" ? "(none)" : v === "-1" ? "noise" : v));
  return { names, colors, counts, index };
}

/**
 * Colours for a second colouring (clusters, predictions) that agree with a reference one
 * (labels): a category whose name is a reference name keeps that colour (prediction "yes" =
 * label "yes"); otherwise, largest first, a category takes the colour of the reference
 * category it mostly overlaps, if still free. Side-by-side pictures then read at a glance.
 */
export function matchedColors(
  values: readonly string[],
  reference: readonly string[],
  refCats: Categories = categorize(reference),
): Record<string, string> {
  const refColor = new Map(refCats.names.map((nm, k) => [nm, refCats.colors[k]!]));
  const out: Record<string, string> = {};
  const used = new Set<string>();
  const overlap = new Map<string, Map<string, number>>();
  values.forEach((v, i) => {
    if (NOISE_VALUES.has(v)) return;
    let m = overlap.get(v);
    if (!m) {
      m = new Map();
      overlap.set(v, m);
    }
    const r = reference[i]!;
    m.set(r, (m.get(r) ?? 0) + 1);
  });
  for (const v of overlap.keys())
    if (refColor.has(v) && !NOISE_VALUES.has(v)) {
      out[v] = refColor.get(v)!;
      used.add(out[v]);
    }
  const size = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const byDesc = [...overlap.entries()]
    .filter(([v]) => !(v in out))
    .sort((a, b) => size(b[1]) - size(a[1]) || collator.compare(a[0], b[0]));
  for (const [v, m] of byDesc) {
    const top = [...m.entries()].sort((a, b) => b[1] - a[1] || collator.compare(a[0], b[0]))[0];
    const c = top && !NOISE_VALUES.has(top[0]) ? refColor.get(top[0]) : undefined;
    if (c && !used.has(c)) {
      out[v] = c;
      used.add(c);
    }
  }
  return out;
}
