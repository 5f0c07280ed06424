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
  trustworthiness,
  vMeasure,
} from "../src/index.js";
import { sklearnMissing, sklearnReference } from "./helpers/sklearn.js";

const missing = sklearnMissing();
if (missing) console.warn(`skipping scikit-learn comparisons: ${missing}`);

// Every metric equals scikit-learn 1.2 on the same float32 inputs to |diff| <= 1e-6.
describe.skipIf(missing !== null).each(["iris", "digits", "random"])(
  "vs scikit-learn: %s",
  (name) => {
    const { x, shape, y, pred, noisy, emb, xj, embj, ref } = sklearnReference(name);
    const diffs: Record<string, number> = {};
    const near = (key: string, value: number) => {
      diffs[key] = Math.abs(value - ref[key]!);
      expect(value, key).toBeCloseTo(ref[key]!, 6);
      expect(diffs[key]).toBeLessThanOrEqual(1e-6);
    };

    it("label agreement", () => {
      near("ari", adjustedRandIndex(y, pred));
      near("nmi", normalizedMutualInfo(y, pred));
      const v = vMeasure(y, pred);
      near("homogeneity", v.homogeneity);
      near("completeness", v.completeness);
      near("vMeasure", v.vMeasure);
      near("purity", purity(y, pred));
      const table = contingencyTable(y, pred);
      expect(Array.from(table.counts)).toEqual(ref.contingency.flat());
    });

    it("predictions: accuracy, confusion matrix, per-class recall and precision", () => {
      near("accuracy", accuracy(y, noisy));
      const cm = confusionMatrix(y, noisy);
      expect(cm.classes).toEqual(ref.confusionLabels);
      expect(cm.n).toBe(y.length);
      const c = cm.classes.length;
      const rows = Array.from({ length: c }, (_, i) =>
        Array.from(cm.counts.subarray(i * c, (i + 1) * c)),
      );
      expect(rows).toEqual(ref.confusion);
      const scores = classScores(cm);
      for (let i = 0; i < c; i++) {
        expect(scores.recall[i]).toBeCloseTo(ref.recall[i]!, 12);
        expect(scores.precision[i]).toBeCloseTo(ref.precision[i]!, 12);
      }
    });

    it("silhouette, euclidean and cosine", async () => {
      near("silhouetteEuclidean", await silhouette(x, shape, pred));
      near("silhouetteCosine", await silhouette(x, shape, pred, { metric: "cosine" }));
      near("silhouetteTrueEuclidean", await silhouette(x, shape, y));
    });

    it("trustworthiness, k = 15 and 5 (on data without tied distances)", async () => {
      const e: [number, number] = [shape[0], 2];
      near("trust15", await trustworthiness(xj, shape, embj, e));
      near("trust5", await trustworthiness(xj, shape, embj, e, { nNeighbors: 5 }));
      near("trust15Cosine", await trustworthiness(xj, shape, embj, e, { metric: "cosine" }));
      // With ties, numpy's unstable argsort orders tied neighbours arbitrarily; we count only
      // strictly closer points. The gap stays small.
      const tied = await trustworthiness(x, shape, emb, e);
      diffs.trust15Tied = Math.abs(tied - ref.trust15Tied!);
      expect(diffs.trust15Tied).toBeLessThan(1e-3);
      console.log(`${name}: |diff| vs scikit-learn`, diffs);
    });
  },
);
