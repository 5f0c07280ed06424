import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { classifyRecords } from "../src/kws/classify.js";
import { detectKeywords, slidingStarts } from "../src/kws/detect.js";
import { nonMaxSuppression, temporalIoU } from "../src/kws/nms.js";
import { softmaxRows, topK } from "../src/kws/scores.js";
import { clip, fakeDecode, fakeModel } from "./helpers/fake-model.js";

describe("scores", () => {
  it("matches scipy's softmax, including huge logits", () => {
    const logits = new Float32Array([1, 2, 3, -1, 1000, 999, 998, 0]);
    const ref = JSON.parse(
      execFileSync(
        "/usr/bin/python3",
        [
          "-c",
          "import json, numpy as np; from scipy.special import softmax; print(json.dumps(softmax(np.array([[1,2,3,-1],[1000,999,998,0]], dtype=np.float64), axis=1).tolist()))",
        ],
        {
          encoding: "utf8",
        },
      ),
    ) as number[][];
    const p = softmaxRows(logits, 4);
    ref.flat().forEach((v, i) => {
      expect(p[i]).toBeCloseTo(v, 6);
    });
  });
  it("ranks top-k with stable ties", () => {
    expect(topK([0.1, 0.6, 0.1, 0.2], ["a", "b", "c", "d"], 3)).toEqual([
      { label: "b", score: 0.6 },
      { label: "d", score: 0.2 },
      { label: "a", score: 0.1 },
    ]);
  });
});

describe("nms", () => {
  it("keeps the best event per overlapping group, per label", () => {
    expect(temporalIoU({ start: 0, end: 1 }, { start: 0.5, end: 1.5 })).toBeCloseTo(1 / 3, 9);
    const events = [
      { label: "yes", start: 0, end: 1, score: 0.7 },
      { label: "yes", start: 0.25, end: 1.25, score: 0.9 },
      { label: "yes", start: 0.5, end: 1.5, score: 0.8 },
      { label: "no", start: 0.25, end: 1.25, score: 0.6 },
      { label: "yes", start: 3, end: 4, score: 0.55 },
    ];
    expect(nonMaxSuppression(events)).toEqual([
      { label: "no", start: 0.25, end: 1.25, score: 0.6 },
      { label: "yes", start: 0.25, end: 1.25, score: 0.9 },
      { label: "yes", start: 3, end: 4, score: 0.55 },
    ]);
    // Adjacent windows overlap with IoU 0.6; a looser threshold keeps them all.
    expect(nonMaxSuppression(events, 0.5).filter((e) => e.label === "yes")).toHaveLength(2);
    expect(nonMaxSuppression(events, 0.65).filter((e) => e.label === "yes")).toHaveLength(4);
  });
  it("plans windows that cover the end", () => {
    expect(slidingStarts(100, 40, 25)).toEqual([0, 25, 50, 60]);
    expect(slidingStarts(30, 40, 25)).toEqual([0]);
  });
});

const labels = ["_silence_", "yes"];

describe("detection", () => {
  it("finds each burst once, at the right time, and never reports silence", async () => {
    const rate = 16000;
    const x = new Float32Array(rate * 8);
    for (const [s, e] of [
      [2.0, 2.8],
      [5.5, 6.3],
    ] as const) {
      for (let i = s * rate; i < e * rate; i++) x[i] = 0.3 * Math.sin(i * 0.2);
    }
    const events = await detectKeywords(fakeModel(4, 5, labels), x, {
      window: 1,
      hop: 0.25,
      threshold: 0.5,
    });
    expect(events.map((e) => e.label)).toEqual(["yes", "yes"]);
    expect(events[0]?.start).toBeGreaterThanOrEqual(1.75);
    expect(events[0]?.end).toBeLessThanOrEqual(3.05);
    expect(events[1]?.start).toBeGreaterThanOrEqual(5.25);
    expect(events[1]?.end).toBeLessThanOrEqual(6.55);
    // With silence not ignored, the quiet stretches would be events; it is ignored by default.
    const all = await detectKeywords(fakeModel(4, 5, labels), x, { ignore: [] });
    expect(all.some((e) => e.label === "_silence_")).toBe(true);
  });
  it("refuses a model without a head", async () => {
    await expect(detectKeywords(fakeModel(), new Float32Array(16000))).rejects.toThrow(
      /no classification head/,
    );
  });
});

describe("classifyRecords", () => {
  it("returns top-k probabilities per clip in order, and error rows", async () => {
    const loud = Float32Array.from(clip(8000, 1), (v) => v * 2);
    const quiet = Float32Array.from(clip(12000, 2), (v) => v * 0.01);
    const files = new Map([
      ["/loud.wav", loud],
      ["/quiet.wav", quiet],
    ]);
    const records = ["/loud.wav", "/missing.wav", "/quiet.wav"].map((p, index) => ({
      index,
      record: { id: p, source: { path: p } },
    }));
    const out = [];
    for await (const r of classifyRecords(fakeModel(4, 5, labels), records, {
      decode: fakeDecode(files),
      topK: 2,
    }))
      out.push(r);
    expect(out.map((r) => r.id)).toEqual(["/loud.wav", "/missing.wav", "/quiet.wav"]);
    expect(out[0]?.top?.[0]?.label).toBe("yes");
    expect(out[2]?.top?.[0]?.label).toBe("_silence_");
    expect((out[0]?.top?.[0]?.score ?? 0) + (out[0]?.top?.[1]?.score ?? 0)).toBeCloseTo(1, 6);
    expect(out[1]?.error?.code).toBe("ERR_MISSING");
  });
});
