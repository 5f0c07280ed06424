import { existsSync } from "node:fs";

/** Where DejaVu Sans lives on Debian/Ubuntu (package fonts-dejavu-core). */
const FONT_CANDIDATES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
];

/** Options for `svgToPng`. */
export interface PngOptions {
  /** Output width in px; height keeps the aspect ratio. Default: the SVG's own width × `scale`. */
  width?: number;
  /** Zoom factor when `width` is not given. Default: 2 (sharp on high-DPI screens and in print). */
  scale?: number;
}

/**
 * Renders an SVG to PNG bytes with resvg, offline. Text uses DejaVu Sans when installed
 * (fonts-dejavu-core); otherwise resvg falls back to the system fonts it can find.
 */
export async function svgToPng(svg: string, options: PngOptions = {}): Promise<Uint8Array> {
  const { Resvg } = await import("@resvg/resvg-js");
  const fontFiles = FONT_CANDIDATES.filter((f) => existsSync(f));
  const fitTo = options.width
    ? ({ mode: "width", value: options.width } as const)
    : ({ mode: "zoom", value: options.scale ?? 2 } as const);
  const resvg = new Resvg(svg, {
    fitTo,
    background: "#ffffff",
    font: {
      fontFiles,
      loadSystemFonts: fontFiles.length === 0,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  return resvg.render().asPng();
}
