// Pooling (mean, meanstd, max) and layer selection, checked against JavaScript computed from
// the hidden states the addon returns.
import { beforeAll, describe, expect, it } from "vitest";
import { type ForwardResult, loadModel, type Model, row } from "../src/index.js";
import { fixture, makeAudio, maxAbsDiff, padAfter } from "./helpers/fixtures.js";

const batch = 3;
const length = 12000;
const lengths = [12000, 7000, 3000];
const audio = padAfter(makeAudio(batch, length, 3), length, lengths);
let model: Model;

beforeAll(async () => {
  model = await loadModel(fixture("tiny.pt"), { device: "cpu" });
  return () => model.dispose();
});

/** Pools frames [0, n) of hidden[l, b] with `pool`, in float64. */
function jsPool(out: ForwardResult, l: number, b: number, pool: string): number[] {
  const [, , frames, h] = out.hidden!.shape as [number, number, number, number];
  const n = out.frameLengths[b]!;
  const block = row(out.hidden!, l, b);
  const mean = new Array<number>(h).fill(0);
  const max = new Array<number>(h).fill(-Infinity);
  for (let f = 0; f < n; f++) {
    for (let d = 0; d < h; d++) {
      const v = block[f * h + d]!;
      mean[d]! += v / n;
      max[d] = Math.max(max[d]!, v);
    }
  }
  expect(frames).toBeGreaterThan(n - 1);
  if (pool === "mean") return mean;
  if (pool === "max") return max;
  const std = mean.map((m, d) => {
    let s = 0;
    for (let f = 0; f < n; f++) s += (block[f * h + d]! - m) ** 2;
    return Math.sqrt(s / n);
  });
  return [...mean, ...std];
}

describe("pooling over valid frames", () => {
  it.each(["mean", "meanstd", "max"] as const)(
    "%s matches a JS computation from hidden",
    async (pool) => {
      const layers = [0, -1];
      const out = await model.forward(
        { audio, batch, length, lengths },
        { outputs: ["pooled", "hidden"], layers, pool },
      );
      const width = pool === "meanstd" ? 2 * model.info.hiddenSize : model.info.hiddenSize;
      expect(out.pooled!.shape).toEqual([layers.length, batch, width]);
      // Clips differ in length, so a pooling that ignored the mask would differ here.
      expect(out.frameLengths[2]).toBeLessThan(out.hidden!.shape[2]!);
      for (let l = 0; l < layers.length; l++) {
        for (let b = 0; b < batch; b++) {
          expect(maxAbsDiff(row(out.pooled!, l, b), jsPool(out, l, b, pool))).toBeLessThan(1e-5);
        }
      }
    },
  );
});

describe("mean of the last layer (the default request)", () => {
  it("uses the masked mean the module returns, equal to pooling the hidden states here", async () => {
    const input = { audio, batch, length, lengths };
    // layers [-1] with mean pooling takes the module's own "pooled"; [n - 1] names the same
    // layer by its index and is pooled natively from the hidden states.
    const last = await model.forward(input, { outputs: ["pooled", "hidden"], layers: [-1] });
    const byIndex = await model.forward(input, {
      outputs: ["pooled"],
      layers: [model.info.numHiddenStates - 1],
    });
    expect(last.pooled!.shape).toEqual([1, batch, model.info.hiddenSize]);
    expect(byIndex.pooled!.shape).toEqual(last.pooled!.shape);
    for (let b = 0; b < batch; b++) {
      expect(maxAbsDiff(row(last.pooled!, 0, b), jsPool(last, 0, b, "mean"))).toBeLessThan(1e-5);
      expect(maxAbsDiff(row(last.pooled!, 0, b), row(byIndex.pooled!, 0, b))).toBeLessThan(1e-6);
    }
  });
});

describe("result buffers", () => {
  it("small results are copied and large ones handed over; both hold the same values", async () => {
    // 64 KiB and below are copied into a plain ArrayBuffer, above that the tensor's own memory
    // is wrapped; hidden states of three 3 s clips exceed it, their pooled rows do not.
    const long = 48000;
    const input = { audio: makeAudio(batch, long, 5), batch, length: long };
    const out = await model.forward(input, { outputs: ["pooled", "hidden"], layers: [0, -1] });
    expect(out.hidden!.data.byteLength).toBeGreaterThan(64 * 1024);
    expect(out.pooled!.data.byteLength).toBeLessThan(64 * 1024);
    for (let b = 0; b < batch; b++) {
      for (let l = 0; l < 2; l++) {
        expect(maxAbsDiff(row(out.pooled!, l, b), jsPool(out, l, b, "mean"))).toBeLessThan(1e-5);
      }
    }
  });
});

describe("layer selection", () => {
  it("negative indices count from the end and order is kept", async () => {
    const n = model.info.numHiddenStates;
    const input = { audio, batch, length, lengths };
    const all = await model.forward(input, {
      outputs: ["hidden"],
      layers: Array.from({ length: n }, (_, i) => i),
    });
    const picked = await model.forward(input, { outputs: ["hidden"], layers: [-1, 0, -n + 1] });
    expect(picked.hidden!.shape).toEqual([3, batch, all.hidden!.shape[2], model.info.hiddenSize]);
    const same = (a: number, b: number) => maxAbsDiff(row(picked.hidden!, a), row(all.hidden!, b));
    expect(same(0, n - 1)).toBe(0);
    expect(same(1, 0)).toBe(0);
    expect(same(2, 1)).toBe(0);
    // Different layers really differ (the comparison above can fail).
    expect(maxAbsDiff(row(all.hidden!, 0), row(all.hidden!, n - 1))).toBeGreaterThan(1e-3);
  });

  it("rejects layers outside [-numHiddenStates, numHiddenStates)", async () => {
    const n = model.info.numHiddenStates;
    const input = { audio, batch, length, lengths };
    await expect(model.forward(input, { layers: [0, n] })).rejects.toMatchObject({
      code: "ERR_INPUT_SHAPE",
      message: expect.stringContaining(`options.layers[1]=${n}`),
    });
    await expect(model.forward(input, { layers: [-n - 1] })).rejects.toMatchObject({
      code: "ERR_INPUT_SHAPE",
    });
  });

  it("returns only what was asked for", async () => {
    const out = await model.forward({ audio, batch, length, lengths }, { outputs: ["logits"] });
    expect(out.pooled).toBeUndefined();
    expect(out.hidden).toBeUndefined();
    expect(out.logits!.shape).toEqual([batch, model.info.labels!.length]);
    const dflt = await model.forward({ audio, batch, length, lengths });
    expect(Object.keys(dflt).sort()).toEqual(["frameLengths", "pooled", "timing"]);
    expect(dflt.pooled!.shape).toEqual([1, batch, model.info.hiddenSize]);
  });
});
