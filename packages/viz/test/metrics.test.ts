import { describe, expect, it } from "vitest";
import {
  accuracy,
  adjustedRandIndex,
  classScores,
  confusionMatrix,
  contingencyTable,
  normalizedMutualInfo,
  purity,
  silhouette,
  topConfusions,
  trustworthiness,
  vMeasure,
} from "../src/index.js";

// Hand-computed cases; see the comments for the arithmetic.
describe("label agreement, hand-computed", () => {
  // classes [0,0,0,1,1,1] vs clusters [0,0,1,1,2,2]: table [[2,1,0],[0,1,2]]
  const t = [0, 0, 0, 1, 1, 1];
  const p = ["a", "a", "b", "b", "c", "c"];

  it("contingency table lists sorted classes and clusters", () => {
    const table = contingencyTable(t, p);
    expect(table.classes).toEqual([0, 1]);
    expect(table.clusters).toEqual(["a", "b", "c"]);
    expect(Array.from(table.counts)).toEqual([2, 1, 0, 0, 1, 2]);
  });

  it("ARI: sum C(nij,2)=2, rows 6, cols 3, expected 18/15, max 4.5 -> 0.8/3.3", () => {
    expect(adjustedRandIndex(t, p)).toBeCloseTo(0.8 / 3.3, 12);
    expect(adjustedRandIndex(t, [5, 5, 5, 9, 9, 9])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
  });

  it("MI = 2/3 ln 2: homogeneity 2/3, completeness (2/3 ln 2)/ln 3", () => {
    const mi = (2 / 3) * Math.log(2);
    const h = mi / Math.log(2);
    const c = mi / Math.log(3);
    const v = vMeasure(t, p);
    expect(v.homogeneity).toBeCloseTo(h, 12);
    expect(v.completeness).toBeCloseTo(c, 12);
    expect(v.vMeasure).toBeCloseTo((2 * h * c) / (h + c), 12);
    expect(normalizedMutualInfo(t, p)).toBeCloseTo(mi / ((Math.log(2) + Math.log(3)) / 2), 12);
  });

  it("special cases follow scikit-learn", () => {
    expect(normalizedMutualInfo([1, 1, 1], [2, 2, 2])).toBe(1);
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 0, 0])).toBe(0);
    expect(vMeasure([0, 0, 1, 1], [0, 0, 0, 0]).completeness).toBe(1);
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(RangeError);
  });

  it("purity counts each cluster's majority class: (2 + 1 + 2) / 6", () => {
    expect(purity(t, p)).toBeCloseTo(5 / 6, 15);
  });
});

describe("geometry metrics, hand-computed", () => {
  it("silhouette of 1-D points 0, 1 | 10, 11", async () => {
    const x = new Float32Array([0, 1, 10, 11]);
    const s = await silhouette(x, [4, 1], [0, 0, 1, 1]);
    expect(s).toBeCloseTo((9.5 / 10.5 + 8.5 / 9.5) / 2, 12);
    await expect(silhouette(x, [4, 1], [0, 0, 0, 0])).rejects.toThrow(RangeError);
  });

  it("trustworthiness of a layout that swaps the two end points (k = 1)", async () => {
    // X = 0, 1, 3, 7, 15; layout = 15, 1, 3, 7, 0. Layout neighbours: 0->3, 1->4, 2->1, 3->2,
    // 4->1 with original ranks 3, 4, 1, 1, 3: penalty 2 + 3 + 0 + 0 + 2 = 7, T = 1 - 14/30.
    const x = new Float32Array([0, 1, 3, 7, 15]);
    const y = new Float32Array([15, 1, 3, 7, 0]);
    expect(await trustworthiness(x, [5, 1], y, [5, 1], { nNeighbors: 1 })).toBeCloseTo(
      1 - 14 / 30,
      12,
    );
    expect(await trustworthiness(x, [5, 1], x, [5, 1], { nNeighbors: 2 })).toBe(1);
  });
});

describe("predictions against labels, hand-computed", () => {
  // true  yes yes no  no  no  up
  // pred  yes no  no  no  yes left  ("left" is never a true label: it gets a column)
  const truth = ["yes", "yes", "no", "no", "no", "up"];
  const pred = ["yes", "no", "no", "no", "yes", "left"];

  it("confusion matrix over the union of labels, rows true, columns predicted", () => {
    const cm = confusionMatrix(truth, pred);
    expect(cm.classes).toEqual(["left", "no", "up", "yes"]);
    expect(cm.n).toBe(6);
    // rows: left, no, up, yes
    expect(Array.from(cm.counts)).toEqual([0, 0, 0, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1]);
  });

  it("accuracy, per-class recall and precision, and the largest confusions", () => {
    expect(accuracy(truth, pred)).toBeCloseTo(3 / 6, 15);
    expect(accuracy([], [])).toBeNaN();
    const s = classScores(confusionMatrix(truth, pred));
    expect(Array.from(s.support)).toEqual([0, 3, 1, 2]);
    expect(Array.from(s.recall)).toEqual([0, 2 / 3, 0, 1 / 2]);
    expect(Array.from(s.precision)).toEqual([0, 2 / 3, 0, 1 / 2]);
    expect(topConfusions(confusionMatrix(truth, pred))).toEqual([
      { label: "no", predicted: "yes", count: 1 },
      { label: "up", predicted: "left", count: 1 },
      { label: "yes", predicted: "no", count: 1 },
    ]);
  });

  it("rejects labelings of different lengths or mixed types", () => {
    expect(() => confusionMatrix(["a"], ["a", "b"])).toThrow(/differ in length/);
    expect(() => confusionMatrix([1, 2] as never, ["1", "2"])).toThrow(/mix numbers and strings/);
  });
});
