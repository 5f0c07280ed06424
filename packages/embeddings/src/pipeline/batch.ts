/** Packing planned items into the padded [B, T] input the model takes. */
import type { ForwardInput } from "./types.js";

/** Copies `pieces` into one zero-padded row-major buffer of `length` samples per row. */
export function packBatch(pieces: Float32Array[], length: number): ForwardInput {
  const batch = pieces.length;
  const audio = new Float32Array(batch * length);
  const lengths = new Int32Array(batch);
  pieces.forEach((p, b) => {
    audio.set(p, b * length);
    lengths[b] = p.length;
  });
  return { audio, batch, length, lengths };
}
