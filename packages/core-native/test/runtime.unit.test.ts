// Fast tests with no model and no addon: the call queue, metadata checks, tensor views.
import { describe, expect, it } from "vitest";
import { CallQueue } from "../src/call_queue.js";
import { ModelLoadError } from "../src/errors.js";
import { parseModelInfo, receptiveField } from "../src/model_info.js";
import { row } from "../src/tensor.js";

const meta = {
  format: "audiomap-torchscript",
  format_version: 1,
  architecture: "wav2vec2-conformer",
  sampling_rate: 16000,
  do_normalize: true,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_hidden_states: 3,
  conv_kernel: [10, 3, 3, 3, 3, 2, 2],
  conv_stride: [5, 2, 2, 2, 2, 2, 2],
  has_head: false,
  config: { hidden_size: 32 },
};

describe("CallQueue", () => {
  it("runs one task at a time, in call order, starting an idle task synchronously", async () => {
    const queue = new CallQueue();
    const log: string[] = [];
    let active = 0;
    const task = (name: string, ms: number) => async () => {
      active++;
      expect(active).toBe(1);
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      active--;
      return name;
    };
    const a = queue.run(task("a", 20));
    expect(log).toEqual(["start a"]); // started in the caller's tick
    const b = queue.run(task("b", 1));
    const c = queue.run(() => Promise.reject(new Error("c failed")));
    const d = queue.run(task("d", 1));
    await expect(a).resolves.toBe("a");
    await expect(b).resolves.toBe("b");
    await expect(c).rejects.toThrow("c failed");
    await expect(d).resolves.toBe("d");
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start d", "end d"]);
  });

  it("drops a waiting task whose signal aborts, and drain waits for the rest", async () => {
    const queue = new CallQueue();
    let ran = false;
    const first = queue.run(() => new Promise((r) => setTimeout(() => r(1), 20)));
    const controller = new AbortController();
    const second = queue.run(async () => {
      ran = true;
    }, controller.signal);
    controller.abort(new Error("aborted"));
    await expect(second).rejects.toThrow("aborted");
    await queue.drain();
    await expect(first).resolves.toBe(1);
    expect(ran).toBe(false);
  });
});

describe("CallQueue with a limit of 2", () => {
  it("runs two tasks at once, starts the rest in call order, and drain waits for all", async () => {
    const queue = new CallQueue(2);
    const started: string[] = [];
    let active = 0;
    let peak = 0;
    const release = new Map<string, () => void>();
    const task = (name: string) => () =>
      new Promise<string>((resolve) => {
        started.push(name);
        peak = Math.max(peak, ++active);
        release.set(name, () => {
          active--;
          resolve(name);
        });
      });
    const a = queue.run(task("a"));
    expect(queue.full).toBe(false);
    const b = queue.run(task("b"));
    expect(queue.full).toBe(true);
    const controller = new AbortController();
    const c = queue.run(task("c"), controller.signal);
    const d = queue.run(task("d"));
    expect(started).toEqual(["a", "b"]); // both free slots taken at once
    controller.abort(new Error("no c"));
    await expect(c).rejects.toThrow("no c");
    let drained = false;
    const drain = queue.drain().then(() => {
      drained = true;
    });
    release.get("b")?.();
    await expect(b).resolves.toBe("b");
    expect(started).toEqual(["a", "b", "d"]); // c was dropped, d took b's slot
    release.get("a")?.();
    await a;
    await new Promise((r) => setTimeout(r, 1));
    expect(drained).toBe(false); // d still runs
    release.get("d")?.();
    await expect(d).resolves.toBe("d");
    await drain;
    expect(drained).toBe(true);
    expect(peak).toBe(2);
    expect(() => new CallQueue(0)).toThrow(RangeError);
  });
});

describe("parseModelInfo", () => {
  it("camelCases keys and computes the receptive field", () => {
    const info = parseModelInfo(JSON.stringify(meta), "m.pt");
    expect(info.samplingRate).toBe(16000);
    expect(info.numHiddenStates).toBe(3);
    expect(info.labels).toBeNull();
    expect(info.config).toEqual({ hidden_size: 32 });
    expect(info.minSamples).toBe(400);
  });

  it.each([
    ["not json", "{", "invalid audiomap.json"],
    ["another format", JSON.stringify({ ...meta, format: "x" }), '"audiomap-torchscript"'],
    ["another version", JSON.stringify({ ...meta, format_version: 2 }), "format_version 2"],
    ["a missing key", JSON.stringify({ ...meta, hidden_size: undefined }), '"hidden_size"'],
  ])("rejects %s with ERR_MODEL_SIGNATURE", (_name, json, message) => {
    expect(() => parseModelInfo(json, "m.pt")).toThrow(ModelLoadError);
    expect(() => parseModelInfo(json, "m.pt")).toThrow(message);
  });

  it("receptiveField of simple stacks", () => {
    expect(receptiveField([3], [1])).toBe(3);
    expect(receptiveField([3, 3], [2, 1])).toBe(7);
  });
});

describe("row", () => {
  it("views the block at a leading index without copying", () => {
    const t = {
      dtype: "float32" as const,
      shape: [2, 3, 2],
      data: Float32Array.from({ length: 12 }, (_, i) => i),
    };
    expect(Array.from(row(t, 1))).toEqual([6, 7, 8, 9, 10, 11]);
    expect(Array.from(row(t, 1, 2))).toEqual([10, 11]);
    expect(row(t, 0).buffer).toBe(t.data.buffer);
    expect(() => row(t, 2)).toThrow("index[0]=2");
  });
});
