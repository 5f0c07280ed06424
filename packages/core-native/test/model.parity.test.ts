// The addon's forward equals Python's torch.jit.load on the same fixture and input.
import { describe, expect, it } from "vitest";
import { loadModel, row } from "../src/index.js";
import { fixture, makeAudio, maxAbsDiff, padAfter, pythonForward } from "./helpers/fixtures.js";

const TOL = 1e-5;

describe.each(["tiny.pt", "tiny-base.pt", "tiny-rotary.pt", "tiny-group.pt"])(
  "%s: addon == python torch.jit.load",
  (name) => {
    it("hidden states, frame lengths, pooled and logits on a padded batch", async () => {
      const path = fixture(name);
      const batch = 3;
      const length = 16000;
      const lengths = [16000, 9000, 4410];
      const audio = padAfter(makeAudio(batch, length, 7), length, lengths);
      const layers = [0, 1, -1];
      await using model = await loadModel(path, { device: "cpu" });
      const out = await model.forward(
        { audio, batch, length, lengths },
        { outputs: ["hidden", "pooled", "logits"], layers },
      );
      const ref = pythonForward(path, { audio, batch, length, lengths }, layers);

      const hidden = ref.hidden_states!;
      expect(out.hidden!.shape).toEqual(hidden.shape);
      const hiddenDiff = maxAbsDiff(out.hidden!.data, hidden.data as Float32Array);
      expect(hiddenDiff).toBeLessThanOrEqual(TOL);

      expect(Array.from(out.frameLengths)).toEqual(
        Array.from(ref.frame_lengths!.data as BigInt64Array, Number),
      );

      // The module's own "pooled" is the masked mean of the final layer: the addon's mean
      // pooling of layers[-1] must match it.
      const pooledRef = ref.pooled!.data as Float32Array;
      const h = model.info.hiddenSize;
      for (let b = 0; b < batch; b++) {
        const mine = row(out.pooled!, layers.length - 1, b);
        expect(maxAbsDiff(mine, pooledRef.subarray(b * h, (b + 1) * h))).toBeLessThanOrEqual(TOL);
      }

      if (model.info.hasHead) {
        expect(out.logits!.shape).toEqual(ref.logits!.shape);
        expect(maxAbsDiff(out.logits!.data, ref.logits!.data as Float32Array)).toBeLessThanOrEqual(
          TOL,
        );
      } else {
        expect(ref.logits).toBeUndefined();
        expect(out.logits).toBeUndefined();
      }
      console.log(`${name}: max |addon - python| hidden=${hiddenDiff.toExponential(2)}`);
    });
  },
);
