/**
 * A tiny deterministic stand-in for the model runtime, with masked padding: frame t of a clip is
 * a function of its own samples only, so results do not depend on the batch. Feature d of frame
 * t at layer l is (l + 1) · mean(x[t·320 : t·320+400]) + d · 0.01 · t.
 */
import type {
  DecodeFn,
  EmbeddingModel,
  ForwardInput,
  ForwardOptions,
  ForwardOutput,
} from "../../src/pipeline/types.js";

export function fakeModel(
  hidden = 4,
  numHiddenStates = 5,
  labels: string[] | null = null,
): EmbeddingModel & { calls: number[][] } {
  const calls: number[][] = [];
  return {
    calls,
    info: {
      samplingRate: 16000,
      doNormalize: false,
      hiddenSize: hidden,
      numHiddenStates,
      labels,
      hasHead: !!labels,
    },
    async forward(input: ForwardInput, options: ForwardOptions): Promise<ForwardOutput> {
      calls.push(Array.from(input.lengths));
      const { batch, length, lengths, audio } = input;
      const nl = options.layers.length;
      const frameLengths = new Int32Array(batch);
      for (let b = 0; b < batch; b++)
        frameLengths[b] = Math.floor(((lengths[b] as number) - 400) / 320) + 1;
      const maxF = Math.floor((length - 400) / 320) + 1;
      const hiddenData = new Float32Array(nl * batch * maxF * hidden);
      const feat = (l: number, b: number, t: number, d: number) => {
        let s = 0;
        for (let k = 0; k < 400; k++) s += audio[b * length + t * 320 + k] as number;
        return ((options.layers[l] as number) + 1) * (s / 400) + d * 0.01 * t;
      };
      for (let l = 0; l < nl; l++)
        for (let b = 0; b < batch; b++)
          for (let t = 0; t < (frameLengths[b] as number); t++)
            for (let d = 0; d < hidden; d++)
              hiddenData[((l * batch + b) * maxF + t) * hidden + d] = feat(l, b, t, d);
      const pool = options.pool ?? "mean";
      const width = pool === "meanstd" ? 2 * hidden : hidden;
      const pooled = new Float32Array(nl * batch * width);
      for (let l = 0; l < nl; l++)
        for (let b = 0; b < batch; b++) {
          const n = frameLengths[b] as number;
          for (let d = 0; d < hidden; d++) {
            let s = 0;
            let s2 = 0;
            let mx = Number.NEGATIVE_INFINITY;
            for (let t = 0; t < n; t++) {
              const v = hiddenData[((l * batch + b) * maxF + t) * hidden + d] as number;
              s += v;
              s2 += v * v;
              mx = Math.max(mx, v);
            }
            const base = (l * batch + b) * width;
            if (pool === "max") pooled[base + d] = mx;
            else pooled[base + d] = s / n;
            if (pool === "meanstd")
              pooled[base + hidden + d] = Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
          }
        }
      const out: ForwardOutput = {
        frameLengths,
        pooled: { shape: [nl, batch, width], data: pooled },
      };
      if (options.outputs.includes("hidden"))
        out.hidden = { shape: [nl, batch, maxF, hidden], data: hiddenData };
      if (options.outputs.includes("logits") && labels) {
        const logits = new Float32Array(batch * labels.length);
        for (let b = 0; b < batch; b++) {
          let e = 0;
          for (let i = 0; i < (lengths[b] as number); i++)
            e += (audio[b * length + i] as number) ** 2;
          const rms = Math.sqrt(e / (lengths[b] as number));
          // Label 1 wins when the clip is loud, label 0 (silence) when it is quiet.
          logits[b * labels.length] = 0.05 - rms;
          logits[b * labels.length + 1] = rms - 0.05;
        }
        out.logits = { shape: [batch, labels.length], data: logits };
      }
      return out;
    },
  };
}

/** A decoder over an in-memory map of path → samples (already at 16 kHz). */
export function fakeDecode(files: Map<string, Float32Array>): DecodeFn {
  return async (source) => {
    if (typeof source !== "string")
      throw Object.assign(new Error("bytes unsupported"), { code: "ERR_DECODE" });
    const x = files.get(source);
    if (!x) throw Object.assign(new Error(`no such file: ${source}`), { code: "ENOENT" });
    if (x.length === 1 && x[0] === -999)
      throw Object.assign(new Error("corrupt header"), { code: "ERR_DECODE" });
    return {
      samples: x.slice(),
      sampleRate: 16000,
      originalSampleRate: 16000,
      channels: 1,
      durationSec: x.length / 16000,
    };
  };
}

/** A seeded pseudo-random clip. */
export function clip(length: number, seed: number): Float32Array {
  let s = seed * 2654435761 + 1;
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = (s / 2147483648 - 0.5) * 0.5 + Math.sin(i * 0.001 * (seed + 1)) * 0.3;
  }
  return x;
}
