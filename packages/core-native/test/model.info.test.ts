// Model metadata, devices and threads.
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import {
  autoDeviceFallback,
  DeviceError,
  getThreads,
  loadModel,
  native,
  resolveDevice,
  setThreads,
  supportedDevices,
} from "../src/index.js";
import { fixture, python } from "./helpers/fixtures.js";

describe("info", () => {
  it("is the file's audiomap.json, camelCased", async () => {
    const path = fixture("tiny.pt");
    const meta = JSON.parse(
      execFileSync(python, [
        "-c",
        "import sys, torch; x={'audiomap.json': ''}; torch.jit.load(sys.argv[1], _extra_files=x); print(x['audiomap.json'].decode())",
        path,
      ]).toString(),
    );
    await using model = await loadModel(path, { device: "cpu" });
    const { info } = model;
    expect(info.format).toBe("audiomap-torchscript");
    expect(info.architecture).toBe("wav2vec2-conformer");
    expect(info.samplingRate).toBe(meta.sampling_rate);
    expect(info.doNormalize).toBe(meta.do_normalize);
    expect(info.hiddenSize).toBe(meta.hidden_size);
    expect(info.numHiddenLayers).toBe(meta.num_hidden_layers);
    expect(info.numHiddenStates).toBe(meta.num_hidden_layers + 1);
    expect(info.labels).toEqual(meta.labels);
    expect(info.labels).toHaveLength(4);
    expect(info.hasHead).toBe(true);
    expect(info.config).toEqual(meta.config);
    expect(info.minSamples).toBe(400); // the HF feature encoder's receptive field
    expect(model.device).toBe("cpu");
    expect(model.dtype).toBe("float32");
    expect(model.parameterBytes).toBeGreaterThan(1000);

    await using base = await loadModel(fixture("tiny-base.pt"), { device: "cpu" });
    expect(base.info.hasHead).toBe(false);
    expect(base.info.labels).toBeNull();
  });
});

describe("devices", () => {
  it("supportedDevices lists what was compiled in and what is visible", () => {
    const supported = supportedDevices();
    const build = native().buildInfo();
    expect(supported.devices[0]).toMatchObject({ device: "cpu", type: "cpu" });
    expect(supported.compiled).toEqual(build.cuda ? ["cpu", "cuda"] : ["cpu"]);
    for (const d of supported.devices.filter((x) => x.type === "cuda")) {
      expect(d.totalMemory).toBeGreaterThan(0);
      expect(d.computeCapability).toMatch(/^\d+\.\d+$/);
    }
  });

  it("autoDeviceFallback names a CPU fallback only where CUDA is compiled in and no GPU is seen", () => {
    const supported = supportedDevices();
    const cudaBuild = supported.compiled.includes("cuda");
    const gpu = supported.devices.some((d) => d.type === "cuda");
    if (cudaBuild && !gpu)
      expect(autoDeviceFallback()).toMatch(/^CUDA is compiled in but no GPU is visible/);
    else expect(autoDeviceFallback()).toBeNull(); // a CPU-only build, or a GPU: nothing to say
  });

  it("resolveDevice resolves in one place and lists the choices for unknown values", () => {
    const gpu = supportedDevices().devices.find((d) => d.type === "cuda");
    expect(resolveDevice("cpu")).toBe("cpu");
    expect(resolveDevice("auto")).toBe(gpu ? gpu.device : "cpu");
    expect(resolveDevice()).toBe(gpu ? gpu.device : "cpu");
    for (const bad of ["gpu", "cuda:", "cuda:01", "CPU", ""]) {
      expect(() => resolveDevice(bad)).toThrow(DeviceError);
      expect(() => resolveDevice(bad)).toThrow(/"auto", "cpu", "cuda" or "cuda:N"/);
    }
    if (!gpu) {
      expect(() => resolveDevice("cuda")).toThrow(/ERR_DEVICE_UNAVAILABLE|CPU-only|not visible/);
      expect(() => resolveDevice("cuda:1")).toThrow(DeviceError);
    }
  });
});

describe("threads", () => {
  it("defaults to the available cores after the first load, and setThreads changes it", async () => {
    const model = await loadModel(fixture("tiny.pt"), { device: "cpu" });
    model.dispose();
    const expected = Number(process.env.OMP_NUM_THREADS) || availableParallelism();
    expect(getThreads()).toBe(expected);
    setThreads(1);
    expect(getThreads()).toBe(1);
    setThreads(expected);
    expect(getThreads()).toBe(expected);
    expect(() => setThreads(0)).toThrow(/integer in \[1, 1024\]/);
    expect(() => setThreads(1.5)).toThrow(/integer/);
  });
});
