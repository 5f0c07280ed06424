// Forward runs off the main thread; concurrent calls are safe and correct; dispose() is safe
// to call at any time.
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { native } from "../src/binding.js";
import { DisposedError, loadModel, type Model } from "../src/index.js";
import { fixture, makeAudio, maxAbsDiff, padAfter } from "./helpers/fixtures.js";

let model: Model;
beforeAll(async () => {
  model = await loadModel(fixture("tiny.pt"), { device: "cpu" });
});
afterAll(() => model.dispose());

describe("event loop", () => {
  it("keeps ticking while a long forward runs", async () => {
    const batch = 8;
    const length = 16000 * 6;
    const audio = makeAudio(batch, length, 11);
    await model.forward({ audio, batch, length }); // JIT profiling runs
    // A chain of event-loop turns started with the call must finish before the call does. A
    // forward that held the main thread would let none of them run first; one off the main
    // thread leaves them all the time they need (each a few microseconds, against a forward of
    // tens of milliseconds), however loaded the machine is.
    const turns = 100;
    let ran = 0;
    const turn = () => {
      if (++ran < turns) setImmediate(turn);
    };
    let ranBeforeSettle = -1;
    const start = performance.now();
    const call = model.forward({ audio, batch, length }, { outputs: ["pooled"] }).then((r) => {
      ranBeforeSettle = ran;
      return r;
    });
    setImmediate(turn);
    await call;
    console.log(
      `forward ${(performance.now() - start).toFixed(0)} ms; ${ranBeforeSettle} of ${turns} event-loop turns ran before it settled`,
    );
    expect(ranBeforeSettle).toBe(turns);
  });
});

describe("concurrency", () => {
  it("reads the input when called; reused staging buffers never mix calls", async () => {
    // Inputs go through per-model staging buffers that are reused from call to call; growing,
    // shrinking and queued calls must each see their own samples, and overwriting the caller's
    // array once forward() has returned must not reach the model.
    const shapes = [
      { batch: 1, length: 8000 },
      { batch: 4, length: 16000 },
      { batch: 2, length: 6000 },
      { batch: 3, length: 16000 },
    ];
    const inputs = shapes.map(({ batch, length }, i) => ({
      audio: makeAudio(batch, length, 300 + i),
      batch,
      length,
    }));
    const fresh = [];
    for (const input of inputs) fresh.push((await model.forward(input)).pooled!.data);
    const order = [1, 0, 3, 2, 1, 3, 0, 2];
    const pending = order.map((i) => {
      const input = inputs[i]!;
      const copy = { ...input, audio: input.audio.slice() };
      const call = model.forward(copy);
      copy.audio.fill(0.5); // started or queued, the call must already hold its own copy
      return call;
    });
    const results = await Promise.all(pending);
    for (const [k, i] of order.entries()) {
      expect(results[k]!.pooled!.shape[1]).toBe(shapes[i]!.batch);
      // Calls that mixed staging buffers would differ by O(0.1); LibTorch 2.x's profiling JIT
      // may fuse ops after the first calls, which moves the last bits (up to ~5e-7 seen).
      expect(maxAbsDiff(results[k]!.pooled!.data, fresh[i]!)).toBeLessThan(1e-5);
    }
  });

  it("8 concurrent forwards equal the sequential results", async () => {
    const length = 8000;
    const inputs = Array.from({ length: 8 }, (_, i) => {
      const lengths = [length - 500 * i, 4000 + 300 * i];
      return {
        audio: padAfter(makeAudio(2, length, 100 + i), length, lengths),
        batch: 2,
        length,
        lengths,
      };
    });
    const options = { outputs: ["pooled", "logits"] as ("pooled" | "logits")[], layers: [1, -1] };
    const sequential = [];
    for (const input of inputs) sequential.push(await model.forward(input, options));
    const concurrent = await Promise.all(inputs.map((input) => model.forward(input, options)));
    concurrent.forEach((out, i) => {
      expect(maxAbsDiff(out.pooled!.data, sequential[i]!.pooled!.data)).toBe(0);
      expect(maxAbsDiff(out.logits!.data, sequential[i]!.logits!.data)).toBe(0);
      expect(out.frameLengths).toEqual(sequential[i]!.frameLengths);
    });
    // The inputs differ, so equal outputs across inputs would mean a mix-up.
    expect(maxAbsDiff(concurrent[0]!.pooled!.data, concurrent[1]!.pooled!.data)).toBeGreaterThan(
      1e-4,
    );
  });

  it("does not occupy libuv's threadpool with waiting calls", async () => {
    const batch = 6;
    const length = 16000 * 6;
    const audio = makeAudio(batch, length, 5);
    await model.forward({ audio, batch, length });
    const order: string[] = [];
    const calls = Array.from({ length: 8 }, (_, i) =>
      model.forward({ audio, batch, length }).then(() => order.push(`forward ${i}`)),
    );
    // Threadpool work queued after 8 forwards still runs at once: only one forward occupies a
    // thread at a time. Had the forwards been handed to libuv's 4 threads, these stats would
    // wait behind them, so they would finish after the first forward, not before it.
    const { stat } = await import("node:fs/promises");
    const stats = Array.from({ length: 8 }, (_, i) =>
      stat(fixture("tiny.pt")).then(() => order.push(`stat ${i}`)),
    );
    await Promise.all([...calls, ...stats]);
    console.log(`completion order: ${order.join(", ")}`);
    const firstForward = order.indexOf("forward 0");
    expect(order.slice(0, firstForward).filter((e) => e.startsWith("stat"))).toHaveLength(8);
  });
});

describe("timing", () => {
  it("reports each call's time on the model's thread and the idle gap before it", async () => {
    // verify: false, so that no check forward runs at load and this is the model's first call.
    const own = await loadModel(fixture("tiny.pt"), { device: "cpu", verify: false });
    try {
      const input = { audio: makeAudio(2, 16000, 9), batch: 2, length: 16000 };
      const t0 = performance.now();
      const first = await own.forward(input);
      const wall = performance.now() - t0;
      expect(first.timing.idleBeforeMs).toBeNull(); // the model's first call
      expect(first.timing.runMs).toBeGreaterThan(0);
      expect(first.timing.runMs).toBeLessThanOrEqual(wall);
      await new Promise((r) => setTimeout(r, 60));
      const rested = await own.forward(input);
      expect(rested.timing.idleBeforeMs).toBeGreaterThanOrEqual(55);
      // Two calls in flight: the second waits on the model's thread, which starts it as soon as
      // the first ends, without a round trip through JavaScript. The main thread is blocked for
      // 300 ms right after both calls are made: a second call that needed JavaScript to start
      // would sit idle until then; one that does not starts at once. That margin (about 0
      // against 300 ms) is what keeps this true on a loaded machine.
      const both = Promise.all([own.forward(input), own.forward(input)]);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      const [, fed] = await both;
      expect(fed.timing.idleBeforeMs).toBeLessThan(150);
    } finally {
      own.dispose();
    }
  });
});

describe("worker threads", () => {
  // A model in a worker thread has its own model thread and thread-safe functions, torn down
  // with the worker's environment: the worker must exit cleanly and give the main thread's
  // results.
  it("a worker runs forward calls, then exits with code 0", async () => {
    const length = 16000;
    const audio = makeAudio(1, length, 5);
    const expected = await model.forward({ audio, batch: 1, length });
    const entry = new URL("../dist/index.js", import.meta.url).href;
    const code = `
      const { parentPort, workerData } = require("node:worker_threads");
      import(${JSON.stringify(entry)}).then(async (core) => {
        const model = await core.loadModel(workerData.path, { device: "cpu", threads: 1 });
        const audio = new Float32Array(workerData.audio);
        let out;
        for (let i = 0; i < 5; i++) out = await model.forward({ audio, batch: 1, length: ${length} });
        await model.dispose();
        parentPort.postMessage(Array.from(out.pooled.data));
      });`;
    const worker = new Worker(code, {
      eval: true,
      workerData: { path: fixture("tiny.pt"), audio: Array.from(audio) },
    });
    const [pooled, exitCode] = await new Promise<[number[], number]>((resolve, reject) => {
      let result: number[] = [];
      worker.on("message", (m: number[]) => {
        result = m;
      });
      worker.on("error", reject);
      worker.on("exit", (c) => resolve([result, c]));
    });
    expect(exitCode).toBe(0);
    expect(pooled).toHaveLength(expected.pooled!.data.length);
    expect(maxAbsDiff(Float32Array.from(pooled), expected.pooled!.data)).toBeLessThan(1e-6);
  });
});

describe("dispose", () => {
  it("a call in flight resolves correctly when the model is disposed under it", async () => {
    const batch = 2;
    const length = 16000;
    const audio = makeAudio(batch, length, 21);
    const own = await loadModel(fixture("tiny.pt"), { device: "cpu" });
    const expected = await own.forward({ audio, batch, length }, { outputs: ["pooled"] });
    const inFlight = own.forward({ audio, batch, length }, { outputs: ["pooled"] });
    const queued = own.forward({ audio, batch, length }, { outputs: ["pooled"] });
    own.dispose();
    own.dispose(); // idempotent
    expect(own.disposed).toBe(true);
    const out = await inFlight;
    expect(maxAbsDiff(out.pooled!.data, expected.pooled!.data)).toBeLessThan(1e-5); // see above
    await expect(queued).rejects.toBeInstanceOf(DisposedError);
  });

  it("an error from the model's thread carries the stack of the code awaiting it", async () => {
    const own = await loadModel(fixture("tiny.pt"), { device: "cpu" });
    const input = { audio: makeAudio(1, 16000, 22), batch: 1, length: 16000 };
    const running = own.forward(input);
    // The second call is staged on the model's thread and finds the model disposed there.
    const staged = (async function stagedCaller() {
      return await own.forward(input);
    })().catch((e: unknown) => e);
    own.dispose();
    await running;
    const error = (await staged) as DisposedError;
    expect(error).toBeInstanceOf(DisposedError);
    expect(error.cause).toMatchObject({ code: "ERR_MODEL_DISPOSED" }); // raised natively
    expect(error.stack).toContain("stagedCaller");
    expect(error.stack).toContain("model.concurrency.test.ts");
    expect(error.stack).not.toContain("fromNative");
  });

  it("calls after dispose reject with DisposedError (ERR_MODEL_DISPOSED)", async () => {
    const own = await loadModel(fixture("tiny.pt"), { device: "cpu" });
    own.dispose();
    const error = await own
      .forward({ audio: makeAudio(1, 16000), batch: 1, length: 16000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DisposedError);
    expect(error).toMatchObject({ code: "ERR_MODEL_DISPOSED" });
    // The stack points at this test, not at the addon's internals.
    expect((error as Error).stack).toContain("model.concurrency.test.ts");
  });

  it("Symbol.asyncDispose waits for queued calls, then disposes", async () => {
    const audio = makeAudio(1, 16000);
    let pending: Promise<unknown>[] = [];
    let handle: Model | undefined;
    {
      await using own = await loadModel(fixture("tiny.pt"), { device: "cpu" });
      handle = own;
      pending = [1, 2, 3].map(() => own.forward({ audio, batch: 1, length: 16000 }));
    }
    expect(handle.disposed).toBe(true);
    const settled = await Promise.allSettled(pending);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
  });

  it("an abort drops a call that waits on the model's thread, at once", async () => {
    // Two calls are in flight natively: the running one and the next, already staged. The
    // waiting one must still be abortable, and must not run once aborted.
    const batch = 6;
    const length = 16000 * 6;
    const audio = makeAudio(batch, length, 5);
    const events: string[] = [];
    const running = model.forward({ audio, batch, length }).then(() => events.push("running"));
    const controller = new AbortController();
    const staged = model
      .forward({ audio, batch, length }, { signal: controller.signal })
      .catch((e: Error) => events.push(`staged: ${e.message}`));
    await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error("aborted"));
    await Promise.all([running, staged]);
    expect(events).toEqual(["staged: aborted", "running"]); // rejected before the first ended
    const after = { audio: makeAudio(1, 16000, 7), batch: 1, length: 16000 };
    await expect(model.forward(after)).resolves.toHaveProperty("pooled");
  });

  it("an aborted signal rejects a call before it starts", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const audio = makeAudio(1, 16000);
    await expect(
      model.forward({ audio, batch: 1, length: 16000 }, { signal: controller.signal }),
    ).rejects.toThrow("stop");
    // A queued call aborted while waiting rejects at once; the running one completes.
    const second = new AbortController();
    const running = model.forward({ audio, batch: 1, length: 16000 });
    const waiting = model.forward({ audio, batch: 1, length: 16000 }, { signal: second.signal });
    second.abort(new Error("later"));
    await expect(waiting).rejects.toThrow("later");
    await expect(running).resolves.toHaveProperty("pooled");
  });
});

describe("many calls on one signal", () => {
  it("25 forwards under one AbortSignal give no MaxListenersExceededWarning, and abort together", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const input = { audio: makeAudio(1, 4000, 3), batch: 1, length: 4000 };
      const first = await Promise.all(
        Array.from({ length: 25 }, () => model.forward(input, { signal: controller.signal })),
      );
      expect(first).toHaveLength(25);
      const queued = Array.from({ length: 25 }, () =>
        model.forward(input, { signal: controller.signal }).then(
          () => "ran",
          (e: Error) => e.message,
        ),
      );
      controller.abort(new Error("stop all"));
      const outcomes = await Promise.all(queued);
      // The two calls already handed to the model's thread finish; every waiting one stops.
      expect(outcomes.filter((o) => o === "stop all").length).toBeGreaterThanOrEqual(23);
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("start gate (native)", () => {
  // The gate is how model.ts aborts a call that the model's thread holds but has not begun:
  // whichever side swaps 0 first wins, the thread (0 -> 1, it runs) or the caller (0 -> 2, it
  // is skipped). This checks the native half directly.
  it("runs a call whose gate stays open and skips one whose gate was closed first", async () => {
    const raw = await native().Model.load(fixture("tiny.pt"), {
      device: "cpu",
      dtype: "float32",
      threads: 0,
    });
    try {
      const length = 16000 * 6;
      const long = { audio: makeAudio(6, length, 5), batch: 6, length };
      const short = { audio: makeAudio(1, 16000, 6), batch: 1, length: 16000 };
      const open = new Int32Array(new SharedArrayBuffer(4));
      const closed = new Int32Array(new SharedArrayBuffer(4));
      const first = raw.forward(long, { layers: [-1] });
      const kept = raw.forward(short, { layers: [-1], gate: open });
      const skipped = raw.forward(short, { layers: [-1], gate: closed });
      // Both wait behind the long call: their gates are still 0.
      expect(Atomics.load(open, 0)).toBe(0);
      expect(Atomics.compareExchange(closed, 0, 0, 2)).toBe(0);
      await first;
      await expect(kept).resolves.toHaveProperty("pooled");
      expect(Atomics.load(open, 0)).toBe(1);
      await expect(skipped).rejects.toMatchObject({ code: "ERR_FORWARD_ABORTED" });
      expect(Atomics.load(closed, 0)).toBe(2);
      // A gate that is not shared memory could be detached under the model's thread.
      expect(() =>
        raw.forward(short, { layers: [-1], gate: new Int32Array(1) as Int32Array }),
      ).toThrow(/SharedArrayBuffer/);
    } finally {
      raw.dispose();
    }
  });
});
