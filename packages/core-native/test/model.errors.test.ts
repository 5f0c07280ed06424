// Bad files, bad inputs, unsupported dtypes and devices give the documented error codes and
// never crash the process.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeviceError,
  DTypeError,
  InputShapeError,
  InvalidArgumentError,
  loadModel,
  type Model,
  ModelLoadError,
  native,
  supportedDevices,
} from "../src/index.js";
import { fixture, makeAudio, python } from "./helpers/fixtures.js";

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;
let model: Model;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "audiomap-bad-"));
  execFileSync(python, [join(here, "python", "make_invalid.py"), dir, fixture("tiny.pt")]);
  const bytes = readFileSync(fixture("tiny.pt"));
  writeFileSync(join(dir, "truncated.pt"), bytes.subarray(0, Math.floor(bytes.length / 2)));
  writeFileSync(join(dir, "text.pt"), "this is not a TorchScript archive\n");
  copyFileSync(fixture("tiny.pt"), join(dir, "copy.pt"));
  model = await loadModel(fixture("tiny.pt"), { device: "cpu" });
});
afterAll(() => {
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("loading", () => {
  it.each([
    ["missing.pt", "ERR_MODEL_NOT_FOUND", "not found"],
    [".", "ERR_MODEL_NOT_FOUND", "is a directory"],
    ["truncated.pt", "ERR_MODEL_INVALID", "not a readable TorchScript file"],
    ["text.pt", "ERR_MODEL_INVALID", "not a readable TorchScript file"],
    ["pickle.pt", "ERR_MODEL_INVALID", "not a readable TorchScript file"],
    ["wrong-signature.pt", "ERR_MODEL_SIGNATURE", "forward signature"],
    ["no-metadata.pt", "ERR_MODEL_SIGNATURE", "no audiomap.json"],
    ["bad-metadata.pt", "ERR_MODEL_SIGNATURE", 'expected "audiomap-torchscript"'],
    // Metadata that lies about the model, found by the check forward at load (issue 17 §4):
    // these used to load and write scrambled or zero-padded rows, NaN rows, or crash later.
    ["wrong-hidden.pt", "ERR_MODEL_SIGNATURE", "hidden_size is 64 but the hidden states are 32"],
    ["wrong-states.pt", "ERR_MODEL_SIGNATURE", "with hidden states 0 and 4 failed"],
    ["wrong-labels.pt", "ERR_MODEL_SIGNATURE", "5 labels, but the head scores 4 classes"],
    ["rate-0.pt", "ERR_MODEL_SIGNATURE", "sampling_rate 0 is not a whole number of Hz"],
    ["rate-negative.pt", "ERR_MODEL_SIGNATURE", "sampling_rate -16000 is not"],
    ["nan-weights.pt", "ERR_MODEL_INVALID", "output on a test clip is not finite"],
  ])("%s -> %s", async (name, code, message) => {
    const error = await loadModel(join(dir, name), { device: "cpu" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({ code, message: expect.stringContaining(message) });
    expect((error as Error).stack).toContain("model.errors.test.ts");
  });

  it("verify: false skips the check forward (a lying file then loads as it says)", async () => {
    const lying = await loadModel(join(dir, "wrong-hidden.pt"), { device: "cpu", verify: false });
    expect(lying.info.hiddenSize).toBe(64);
    lying.dispose();
  });

  it("a valid copy still loads after all that", async () => {
    const ok = await loadModel(join(dir, "copy.pt"), { device: "cpu" });
    expect(ok.info.hiddenSize).toBe(model.info.hiddenSize);
    ok.dispose();
  });

  it("float16 on CPU is ERR_DTYPE_UNSUPPORTED", async () => {
    const error = await loadModel(fixture("tiny.pt"), { device: "cpu", dtype: "float16" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DTypeError);
    expect(error).toMatchObject({ code: "ERR_DTYPE_UNSUPPORTED" });
  });

  it("bfloat16 on CPU runs and stays close to float32", async () => {
    const bf = await loadModel(fixture("tiny.pt"), { device: "cpu", dtype: "bfloat16" });
    expect(bf.dtype).toBe("bfloat16");
    const input = { audio: makeAudio(2, 16000, 9), batch: 2, length: 16000 };
    const a = (await bf.forward(input)).pooled!;
    const b = (await model.forward(input)).pooled!;
    expect(a.dtype).toBe("float32");
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.data.length; i++) {
      dot += a.data[i]! * b.data[i]!;
      na += a.data[i]! ** 2;
      nb += b.data[i]! ** 2;
    }
    const cosine = dot / Math.sqrt(na * nb);
    console.log(`bfloat16 vs float32 pooled cosine ${cosine.toFixed(5)}`);
    expect(cosine).toBeGreaterThan(0.99);
    bf.dispose();
  });

  it("cuda is ERR_DEVICE_UNAVAILABLE unless a GPU is visible", async () => {
    const gpu = supportedDevices().devices.some((d) => d.type === "cuda");
    const attempt = loadModel(fixture("tiny.pt"), { device: "cuda" });
    if (gpu) {
      (await attempt).dispose();
    } else {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeviceError);
      expect(error).toMatchObject({ code: "ERR_DEVICE_UNAVAILABLE" });
      // The native guard says the same when the TypeScript check is bypassed.
      await expect(
        native().Model.load(fixture("tiny.pt"), { device: "cuda:0" }),
      ).rejects.toMatchObject({ code: "ERR_DEVICE_UNAVAILABLE" });
    }
  });

  it("rejects bad options", async () => {
    await expect(loadModel(fixture("tiny.pt"), { device: "tpu" as "cpu" })).rejects.toMatchObject({
      code: "ERR_DEVICE_UNAVAILABLE",
      message: expect.stringContaining('"cuda:N"'),
    });
    await expect(
      loadModel(fixture("tiny.pt"), { dtype: "int8" as "float32" }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(loadModel(fixture("tiny.pt"), { threads: -1 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

describe("input shapes", () => {
  const length = 16000;
  const good = () => ({ audio: makeAudio(2, length), batch: 2, length, lengths: [length, 8000] });
  type Input = Parameters<Model["forward"]>[0];
  const cases: [string, Input, string, string][] = [
    [
      "audio too short",
      { ...good(), audio: new Float32Array(length) },
      "ERR_INPUT_SHAPE",
      "batch*length",
    ],
    [
      "lengths > length",
      { ...good(), lengths: [length, length + 1] },
      "ERR_INPUT_SHAPE",
      "input.lengths[1]=16001",
    ],
    [
      "negative length",
      { ...good(), lengths: [-5, 8000] },
      "ERR_INPUT_SHAPE",
      "input.lengths[0]=-5",
    ],
    [
      "fractional length",
      { ...good(), lengths: [100.5, 8000] },
      "ERR_INPUT_SHAPE",
      "input.lengths[0]",
    ],
    ["lengths count", { ...good(), lengths: [length] }, "ERR_INPUT_SHAPE", "expected batch=2"],
    ["zero batch", { ...good(), batch: 0 }, "ERR_INPUT_SHAPE", "input.batch"],
    [
      "shorter than receptive field",
      { ...good(), lengths: [length, 399] },
      "ERR_INPUT_SHAPE",
      "receptive field",
    ],
    [
      "float64 audio",
      { ...good(), audio: new Float64Array(2 * length) as unknown as Float32Array },
      "ERR_INVALID_ARG_TYPE",
      "Float32Array",
    ],
    [
      "string length",
      { ...good(), length: "16000" as unknown as number },
      "ERR_INVALID_ARG_TYPE",
      "input.length",
    ],
    [
      "string in lengths",
      { ...good(), lengths: [length, "x" as unknown as number] },
      "ERR_INVALID_ARG_TYPE",
      "input.lengths[1]",
    ],
    [
      "lengths object",
      { ...good(), lengths: { a: 1 } as unknown as number[] },
      "ERR_INVALID_ARG_TYPE",
      "input.lengths",
    ],
  ];
  it.each(cases)("%s", async (_name, input, code, message) => {
    const error = await model.forward(input).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, message: expect.stringContaining(message) });
    expect(error).toBeInstanceOf(
      code === "ERR_INPUT_SHAPE" ? InputShapeError : InvalidArgumentError,
    );
  });

  it("accepts Int32Array and BigInt64Array lengths", async () => {
    const base = await model.forward(good());
    for (const lengths of [Int32Array.from([length, 8000]), BigInt64Array.from([16000n, 8000n])]) {
      const out = await model.forward({ ...good(), lengths });
      expect(out.pooled!.data).toEqual(base.pooled!.data);
    }
  });

  it("rejects bad options", async () => {
    await expect(model.forward(good(), { pool: "median" as "mean" })).rejects.toMatchObject({
      code: "ERR_INVALID_ARG_TYPE",
    });
    await expect(
      model.forward(good(), { outputs: ["embeddings" as "pooled"] }),
    ).rejects.toMatchObject({
      code: "ERR_INVALID_ARG_TYPE",
    });
  });

  it("the native layer checks too (a clip with no frames, a bad layer), without crashing", async () => {
    const raw = await native().Model.load(fixture("tiny.pt"), { device: "cpu" });
    await expect(
      raw.forward({ ...good(), lengths: [length, 200] }, { layers: [-1] }),
    ).rejects.toMatchObject({
      code: "ERR_INPUT_SHAPE",
      message: expect.stringContaining("input.lengths[1]=200"),
    });
    await expect(raw.forward(good(), { layers: [99] })).rejects.toMatchObject({
      code: "ERR_NATIVE",
    });
    expect(() => raw.forward(good(), { layers: [] })).toThrow(RangeError);
    const ok = await raw.forward(good(), { layers: [-1] });
    expect(ok.pooled!.shape).toEqual([1, 2, model.info.hiddenSize]);
    raw.dispose();
  });
});
