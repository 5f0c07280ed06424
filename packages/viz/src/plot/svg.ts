/** Escapes text for SVG/HTML element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Formats a coordinate with at most `digits` decimals and no trailing zeros ("-0" → "0"). */
export function num(v: number, digits = 2): string {
  const s = v.toFixed(digits).replace(/\.?0+$/, "");
  return s === "-0" ? "0" : s;
}

/** The font stack used in every picture; resvg is given DejaVu Sans (see png.ts). */
export const FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif";
