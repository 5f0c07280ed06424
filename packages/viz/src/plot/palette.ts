/**
 * Categorical colours. Up to 10 classes get Tableau 10; beyond that the palette grows
 * greedily (Glasbey's method): each new colour is the candidate farthest in CIELAB from every
 * colour already chosen, among mid-lightness colours that read well on white. The result is
 * a fixed function of `n`, so pictures are deterministic.
 */
const TABLEAU10 = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** Grey used for noise points (cluster -1) and missing values. */
export const NOISE_COLOR = "#c8c8c8";

const cache = new Map<number, string[]>();

/** `n` distinct hex colours (`#rrggbb`), the first 10 being Tableau 10. */
export function categoricalPalette(n: number): string[] {
  if (n <= TABLEAU10.length) return TABLEAU10.slice(0, n);
  const hit = cache.get(n);
  if (hit) return hit;
  const chosen = TABLEAU10.map(hexToLab);
  const out = [...TABLEAU10];
  const candidates: { hex: string; lab: Lab }[] = [];
  for (let r = 0; r < 256; r += 17)
    for (let g = 0; g < 256; g += 17)
      for (let b = 0; b < 256; b += 17) {
        const hex = rgbToHex(r, g, b);
        const lab = hexToLab(hex);
        // Skip near-white, near-black and washed-out greys: they vanish on white or look like noise.
        const chroma = Math.hypot(lab[1], lab[2]);
        if (lab[0] < 30 || lab[0] > 85 || chroma < 25) continue;
        candidates.push({ hex, lab });
      }
  const minDist = candidates.map((c) => Math.min(...chosen.map((l) => dist(l, c.lab))));
  while (out.length < n) {
    let best = 0;
    for (let i = 1; i < candidates.length; i++) if (minDist[i]! > minDist[best]!) best = i;
    const pick = candidates[best]!;
    out.push(pick.hex);
    for (let i = 0; i < candidates.length; i++)
      minDist[i] = Math.min(minDist[i]!, dist(candidates[i]!.lab, pick.lab));
  }
  cache.set(n, out);
  return out;
}

type Lab = [number, number, number];

function rgbToHex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

function dist(a: Lab, b: Lab): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** sRGB hex → CIELAB (D65). */
export function hexToLab(hex: string): Lab {
  const lin = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Lab;
  const [r, g, b] = lin;
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 / 116) * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}
