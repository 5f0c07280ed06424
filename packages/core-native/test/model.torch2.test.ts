// A model exported with torch 2.x runs in the addon with torch 2.x's numbers.
// scripts/torch2.sh (part of `npm test`) exports the tiny fixtures with Debian trixie's torch
// 2.x in a chroot and records torch 2.x's own outputs on a padded batch in fixtures/torch2/.
// Where that chroot could not be built, the script says why and this suite reports skipped.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModel } from "../src/index.js";
import { maxAbsDiff, readArrayBuffer, readReference, repoRoot } from "./helpers/fixtures.js";

const TOL = 1e-5;
const dir = join(repoRoot, "fixtures", "torch2");
const present = existsSync(join(dir, "versions.json"));
const versions = present
  ? (JSON.parse(readFileSync(join(dir, "versions.json"), "utf8")) as {
      torch: string;
      models: string[];
    })
  : { torch: "", models: [] };

describe.skipIf(!present)("exported with torch 2.x (fixtures/torch2, scripts/torch2.sh)", () => {
  it("was exported by torch 2.x", () => {
    expect(versions.torch).toMatch(/^2\./);
    expect(versions.models).toEqual(["tiny", "tiny-rotary", "tiny-group"]);
  });

  it.each(versions.models)("%s: addon == torch 2.x on a padded batch", async (name) => {
    const work = join(dir, name);
    const spec = JSON.parse(readFileSync(join(work, "input.json"), "utf8")) as {
      batch: number;
      length: number;
      lengths: number[];
      layers: number[];
    };
    const audio = new Float32Array(readArrayBuffer(join(work, "audio.f32")));
    const ref = readReference(join(work, "out"));

    await using model = await loadModel(join(dir, `${name}.pt`), { device: "cpu" });
    const out = await model.forward(
      { audio, batch: spec.batch, length: spec.length, lengths: spec.lengths },
      { outputs: ["hidden", "pooled", "logits"], layers: spec.layers },
    );

    expect(out.hidden!.shape).toEqual(ref.hidden_states!.shape);
    const hiddenDiff = maxAbsDiff(out.hidden!.data, ref.hidden_states!.data as Float32Array);
    expect(hiddenDiff).toBeLessThanOrEqual(TOL);
    expect(Array.from(out.frameLengths)).toEqual(
      Array.from(ref.frame_lengths!.data as BigInt64Array, Number),
    );
    // The addon pools every requested layer; the module's "pooled" is the last one's.
    const h = model.info.hiddenSize;
    const last = out.pooled!.data.subarray((spec.layers.length - 1) * spec.batch * h);
    expect(maxAbsDiff(last, ref.pooled!.data as Float32Array)).toBeLessThanOrEqual(TOL);
    if (model.info.hasHead) {
      expect(maxAbsDiff(out.logits!.data, ref.logits!.data as Float32Array)).toBeLessThanOrEqual(
        TOL,
      );
    } else {
      expect(ref.logits).toBeUndefined();
    }
    console.log(
      `${name} (torch ${versions.torch}): max |addon - torch 2.x| hidden=${hiddenDiff.toExponential(2)}`,
    );
  });
});
