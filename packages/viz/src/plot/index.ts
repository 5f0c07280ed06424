export { type Categories, categorize, matchedColors } from "./categories.js";
export { categoricalPalette, hexToLab, NOISE_COLOR } from "./palette.js";
export { type PngOptions, svgToPng } from "./png.js";
export { type Layout, type ScatterOptions, scatterSvg } from "./scatter.js";
export { escapeXml } from "./svg.js";
