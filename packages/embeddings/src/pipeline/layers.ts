/**
 * `--layer` parsing. HF indexing: 0 is the encoder input (feature projection), i the output of
 * layer i, L (= numHiddenStates - 1) the final output; negative indices count from the end, so -1
 * is L.
 */

/** How the selected layers become one vector. */
export interface LayerSelection {
  /** Layers to request from the model, as non-negative indices, in order. */
  layers: number[];
  /** "single": one layer; "concat": several listed layers side by side; "mean": a range averaged. */
  combine: "single" | "concat" | "mean";
}

/** A `--layer` value that is malformed or out of range. */
export class LayerSpecError extends RangeError {
  readonly code = "ERR_LAYER_SPEC";
}

function resolveIndex(text: string, numHiddenStates: number, spec: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new LayerSpecError(`bad layer "${text}" in "${spec}"`);
  const i = Number(text);
  const abs = i < 0 ? numHiddenStates + i : i;
  if (abs < 0 || abs >= numHiddenStates) {
    throw new LayerSpecError(
      `layer ${i} is out of range: the model has hidden states 0..${numHiddenStates - 1} (or -${numHiddenStates}..-1)`,
    );
  }
  return abs;
}

/**
 * Parses a layer spec against a model with `numHiddenStates` (L + 1) hidden states.
 * - `"-1"` (default): the final hidden state.
 * - `"6"`: one layer. `"4,8,-1"`: several layers, concatenated along the feature axis.
 * - `"-4:-1"` or `"mean:-4:-1"`: the mean of the inclusive range, after pooling each layer.
 * @example parseLayerSpec("-4:-1", 13) // { layers: [9, 10, 11, 12], combine: "mean" }
 */
export function parseLayerSpec(spec: string | number, numHiddenStates: number): LayerSelection {
  const text = String(spec)
    .trim()
    .replace(/^mean:/, "");
  if (text.includes(":")) {
    const [a, b, ...rest] = text.split(":");
    if (rest.length > 0 || a === undefined || b === undefined) {
      throw new LayerSpecError(`bad layer range "${spec}": use start:end, e.g. -4:-1`);
    }
    const start = resolveIndex(a, numHiddenStates, String(spec));
    const end = resolveIndex(b, numHiddenStates, String(spec));
    if (end < start) throw new LayerSpecError(`empty layer range "${spec}"`);
    const layers = Array.from({ length: end - start + 1 }, (_, k) => start + k);
    return { layers, combine: layers.length === 1 ? "single" : "mean" };
  }
  const layers = text.split(",").map((p) => resolveIndex(p, numHiddenStates, String(spec)));
  return { layers, combine: layers.length === 1 ? "single" : "concat" };
}

/** Width of the combined vector given the per-layer width. */
export function combinedWidth(selection: LayerSelection, perLayer: number): number {
  return selection.combine === "concat" ? perLayer * selection.layers.length : perLayer;
}

/**
 * Combines per-layer vectors `src` laid out [nLayers, n, width] (row `row` of each layer) into
 * `out` at `outOffset`.
 */
export function combineLayers(
  selection: LayerSelection,
  src: Float32Array,
  n: number,
  width: number,
  row: number,
  out: Float32Array,
  outOffset: number,
): void {
  const nl = selection.layers.length;
  if (selection.combine === "concat") {
    for (let l = 0; l < nl; l++) {
      const base = (l * n + row) * width;
      out.set(src.subarray(base, base + width), outOffset + l * width);
    }
    return;
  }
  for (let d = 0; d < width; d++) {
    let s = 0;
    for (let l = 0; l < nl; l++) s += src[(l * n + row) * width + d] as number;
    out[outOffset + d] = s / nl;
  }
}
