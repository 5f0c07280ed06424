/**
 * Unicode's bidirectional controls (embeddings, overrides, isolates, marks: U+202A–202E,
 * U+2066–2069, U+200E/200F, U+061C). Shown as they are, one in a label reorders the text
 * around it, so `clip\u202Evaw.exe` reads "clipexe.wav"; for display each becomes a visible
 * `[U+202E]`.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/** `s` with every bidirectional control shown as `[U+XXXX]` (see BIDI_CONTROLS). */
export function neutralizeBidi(s: string): string {
  return s.replace(
    BIDI_CONTROLS,
    (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}]`,
  );
}

/** Escapes text for SVG/HTML element content and attribute values (bidi controls made visible). */
export function escapeXml(s: string): string {
  return neutralizeBidi(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Formats a coordinate with at most `digits` decimals and no trailing zeros ("-0" → "0"). */
export function num(v: number, digits = 2): string {
  const s = v.toFixed(digits).replace(/\.?0+$/, "");
  return s === "-0" ? "0" : s;
}

/** The font stack used in every picture; resvg is given DejaVu Sans (see png.ts). */
export const FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif";
