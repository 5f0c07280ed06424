// qint8 models (tools/export --dtype qint8): the addon picks the quantised engine, runs the file
// as Python torch does, stays close to the float32 model, and refuses what cannot run.
import { describe, expect, it } from "vitest";
import { DTypeError, loadModel, native, supportedDevices } from "../src/index.js";
import { fixture, makeAudio, maxAbsDiff, padAfter, pythonForward } from "./helpers/fixtures.js";

const batch = 3;
const length = 16000;
const lengths = [16000, 9000, 4410];
const audio = padAfter(makeAudio(batch, length, 11), length, lengths);
const input = { audio, batch, length, lengths };

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe("qint8 model", () => {
  it("loads on the CPU with the best quantised engine and says so", async () => {
    const build = native().buildInfo();
    expect(build.quantizedEngines.length).toBeGreaterThan(0);
    expect(build.quantizedEngines).toContain(build.quantizedEngine);
    await using model = await loadModel(fixture("tiny-qint8.pt"), { device: "cpu" });
    expect(model.dtype).toBe("qint8");
    expect(model.quantizedEngine).toBe(build.quantizedEngine);
    expect(model.info.dtype).toBe("qint8");
    expect(model.info.quantization?.scheme).toBe("dynamic");
    await using float = await loadModel(fixture("tiny.pt"), { device: "cpu" });
    expect(float.dtype).toBe("float32");
    expect(float.quantizedEngine).toBeNull();
  });

  it("equals Python torch.jit.load of the same file", async () => {
    const path = fixture("tiny-qint8.pt");
    await using model = await loadModel(path, { device: "cpu", dtype: "qint8" });
    const out = await model.forward(input, { outputs: ["hidden", "logits"], layers: [0, -1] });
    const ref = pythonForward(path, input, [0, -1]);
    expect(out.hidden!.shape).toEqual(ref.hidden_states!.shape);
    expect(maxAbsDiff(out.hidden!.data, ref.hidden_states!.data as Float32Array)).toBeLessThan(
      1e-4,
    );
    expect(maxAbsDiff(out.logits!.data, ref.logits!.data as Float32Array)).toBeLessThan(1e-4);
  });

  it("gives embeddings with cosine >= 0.99 to the float32 model's, and is quantised", async () => {
    await using q = await loadModel(fixture("tiny-qint8.pt"), { device: "cpu" });
    await using f = await loadModel(fixture("tiny.pt"), { device: "cpu" });
    const a = await q.forward(input, { outputs: ["pooled", "logits"] });
    const b = await f.forward(input, { outputs: ["pooled", "logits"] });
    const h = q.info.hiddenSize;
    for (let i = 0; i < batch; i++) {
      const x = (a.pooled!.data as Float32Array).subarray(i * h, (i + 1) * h);
      const y = (b.pooled!.data as Float32Array).subarray(i * h, (i + 1) * h);
      expect(cosine(x, y)).toBeGreaterThanOrEqual(0.99);
    }
    // int8 rounding must show: identical outputs would mean the float model ran.
    expect(maxAbsDiff(a.pooled!.data, b.pooled!.data)).toBeGreaterThan(1e-4);
    expect(Array.from(a.frameLengths)).toEqual(Array.from(b.frameLengths));
  });

  it("refuses a cast to bfloat16, qint8 for a float file, and a GPU", async () => {
    const cast = loadModel(fixture("tiny-qint8.pt"), { device: "cpu", dtype: "bfloat16" });
    await expect(cast).rejects.toBeInstanceOf(DTypeError);
    await expect(cast).rejects.toMatchObject({ code: "ERR_DTYPE_UNSUPPORTED" });
    const notQuantised = loadModel(fixture("tiny.pt"), { device: "cpu", dtype: "qint8" });
    await expect(notQuantised).rejects.toMatchObject({
      code: "ERR_DTYPE_UNSUPPORTED",
      message: expect.stringContaining("--dtype qint8"),
    });
    const gpu = supportedDevices().devices.some((d) => d.type === "cuda");
    const onCuda = loadModel(fixture("tiny-qint8.pt"), { device: "cuda" });
    // Without a GPU the device is refused first; with one, the dtype is.
    await expect(onCuda).rejects.toMatchObject({
      code: gpu ? "ERR_DTYPE_UNSUPPORTED" : "ERR_DEVICE_UNAVAILABLE",
    });
  });
});
