/**
 * `runBenchmark`: times model forward calls over a grid of model × device × dtype × batch
 * budget × clip length, on seeded synthetic audio, and derives throughput, latency
 * percentiles, peak memory, FLOPs and MFU per cell.
 */
import { cpus, loadavg } from "node:os";
import {
  type DeviceInfo,
  getThreads,
  loadModel,
  type Model,
  type ModelDType,
  native,
  resolveDevice,
  supportedDevices,
} from "@audiomap/core-native";
import { defaultBatchesInFlight } from "../pipeline/embed.js";
import { type ConformerConfig, modelFlops } from "./flops.js";
import { startMemory } from "./memory.js";
import { lookupPeak } from "./peaks.js";
import { summarize } from "./stats.js";
import { syntheticBatch } from "./synthetic.js";
import type {
  BatchBudget,
  BenchCell,
  BenchGrid,
  BenchModel,
  BenchOptions,
  BenchReport,
} from "./types.js";

/** Clips per call for a budget: the count, or as many `clipSamples`-long clips as fit (≥ 1). */
export function clipsPerBatch(
  budget: BatchBudget,
  clipSamples: number,
  samplingRate: number,
): number {
  if ("clips" in budget) return Math.max(1, Math.floor(budget.clips));
  const samples = "samples" in budget ? budget.samples : budget.seconds * samplingRate;
  return Math.max(1, Math.floor(samples / clipSamples));
}

/** Short text of a budget: "8 clips", "30 s", "480000 samples". */
export function budgetLabel(budget: BatchBudget): string {
  if ("clips" in budget) return `${budget.clips} clips`;
  if ("seconds" in budget) return `${budget.seconds} s`;
  return `${budget.samples} samples`;
}

/**
 * Runs every cell of `grid` and returns the measurements. Cells run one after another, each
 * on a model loaded for its device and dtype (one model in memory at a time).
 * @example
 * const report = await runBenchmark(
 *   { models: [{ name: "tiny", path: "fixtures/tiny.pt" }], devices: ["cpu"], dtypes: ["float32"],
 *     batches: [{ seconds: 8 }], clipSeconds: [1] },
 *   { iterations: 5, minSeconds: 0.5 },
 * );
 */
export async function runBenchmark(
  grid: BenchGrid,
  options: BenchOptions = {},
): Promise<BenchReport> {
  const opts = {
    warmup: options.warmup ?? 3,
    iterations: options.iterations ?? 10,
    minSeconds: options.minSeconds ?? 2,
    seed: options.seed ?? 0,
    threads: options.threads ?? 0,
  };
  const devices = grid.devices.map((d) => resolveDevice(d));
  const known = supportedDevices().devices;
  const total =
    grid.models.length *
    devices.length *
    grid.dtypes.length *
    grid.batches.length *
    grid.clipSeconds.length;
  const cells: BenchCell[] = [];
  let index = 0;
  for (const spec of grid.models) {
    for (const device of devices) {
      for (const dtype of grid.dtypes) {
        options.signal?.throwIfAborted();
        const model = await loadModel(cellPath(spec, dtype), {
          device,
          dtype,
          threads: opts.threads,
        });
        // Reduced-precision cells keep their input and pooled output, to be compared with the
        // same file in float32 once they are all timed (below).
        const probes: { cell: BenchCell; probe: AgreementProbe }[] = [];
        try {
          for (const clipSeconds of grid.clipSeconds) {
            for (const budget of grid.batches) {
              options.signal?.throwIfAborted();
              const label = `${spec.name} ${device} ${dtype} batch ${budgetLabel(budget)} clip ${clipSeconds} s`;
              options.onProgress?.({ index: index++, total, label });
              const { cell, probe } = await runCell(
                model,
                spec,
                deviceName(device, known),
                dtype,
                budget,
                clipSeconds,
                options,
                opts,
              );
              cells.push(cell);
              if (probe) probes.push({ cell, probe });
            }
          }
        } finally {
          model.dispose();
        }
        if (probes.length > 0) {
          // The float32 reference is loaded only now, so that it never shares the device with
          // a timed cell (its weights would count in that cell's peak memory).
          const reference = await loadModel(spec.path, {
            device,
            dtype: "float32",
            threads: opts.threads,
          });
          try {
            for (const { cell, probe } of probes) {
              cell.cosineVsFloat32 = cosines(probe.pooled, await pooledOf(reference, probe.input));
            }
          } finally {
            reference.dispose();
          }
        }
      }
    }
  }
  const build = native().buildInfo();
  return {
    date: new Date().toISOString(),
    host: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      threads: opts.threads || getThreads(),
      loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
      node: process.version,
      torch: build.torchVersion,
      addonCuda: build.cuda,
    },
    options: opts,
    cells,
  };
}

/** The file a cell of `dtype` runs: the qint8 export for "qint8", else the model's file. */
function cellPath(spec: BenchModel, dtype: ModelDType): string {
  if (dtype !== "qint8") return spec.path;
  if (!spec.qint8Path)
    throw new Error(
      `model ${spec.name} has no qint8 export; resolve it with resolveBenchModel(..., { qint8: true }) or export one with tools/export --dtype qint8`,
    );
  return spec.qint8Path;
}

function deviceName(device: string, known: DeviceInfo[]): string {
  if (device === "cpu") return cpus()[0]?.model ?? "cpu";
  return known.find((d) => d.device === device)?.name ?? device;
}

async function runCell(
  model: Model,
  spec: BenchModel,
  name: string,
  dtype: ModelDType,
  budget: BatchBudget,
  clipSeconds: number,
  options: BenchOptions,
  opts: { warmup: number; iterations: number; minSeconds: number; seed: number },
): Promise<{ cell: BenchCell; probe?: AgreementProbe }> {
  const rate = model.info.samplingRate;
  const samples = Math.round(clipSeconds * rate);
  if (samples < model.info.minSamples) {
    throw new RangeError(
      `clip of ${clipSeconds} s is shorter than the model's ${model.info.minSamples}-sample receptive field`,
    );
  }
  const batch = clipsPerBatch(budget, samples, rate);
  const audio = syntheticBatch({
    batch,
    length: samples,
    samplingRate: rate,
    seed: opts.seed,
    normalize: model.info.doNormalize,
  });
  const outputs = options.outputs ?? ["pooled"];
  const call = () => model.forward({ audio, batch, length: samples }, { outputs });

  for (let i = 0; i < opts.warmup; i++) await call();
  const maxIterations = options.maxIterations ?? 1000;
  const latencies: number[] = [];
  const memory = startMemory(model.device);
  // As many calls in flight as `embed` keeps on this device (2 on a GPU: the next batch is
  // staged while one computes). A batch's latency is the model's time on it: from its call, or
  // from the previous batch's result when it had to wait behind that one, to its own result.
  const depth = options.inFlight ?? defaultBatchesInFlight(model.device);
  const t0 = process.hrtime.bigint();
  const sinceStart = () => Number(process.hrtime.bigint() - t0) / 1e6; // ms
  let elapsed = 0;
  let submitted = 0;
  let previousDone = 0;
  const inFlight: Promise<void>[] = [];
  try {
    while (
      submitted < maxIterations &&
      (submitted < opts.iterations || elapsed < opts.minSeconds)
    ) {
      options.signal?.throwIfAborted();
      const s = sinceStart();
      submitted++;
      inFlight.push(
        call().then(() => {
          const e = sinceStart();
          latencies.push(e - Math.max(s, previousDone));
          previousDone = e;
          elapsed = e / 1000;
        }),
      );
      if (inFlight.length >= depth) await inFlight.shift();
    }
    await Promise.all(inFlight);
  } catch (error) {
    await Promise.allSettled(inFlight); // leave no call running or rejection unobserved
    throw error;
  }
  const mem = memory.stop();
  const input = { audio, batch, length: samples };
  const probe = dtype === "float32" ? undefined : { input, pooled: await pooledOf(model, input) };

  const head = model.info.hasHead && outputs.includes("logits");
  const flops = modelFlops(model.info.config as ConformerConfig, { batch, samples, head });
  const clips = batch * latencies.length;
  const audioSeconds = clips * clipSeconds;
  const achievedTflops = (flops.total * latencies.length) / elapsed / 1e12;
  // The peak table holds float peaks only: a qint8 cell's MFU is n/a.
  const peak =
    dtype === "qint8"
      ? null
      : lookupPeak(model.device === "cpu" ? "cpu" : name, dtype, options.peakTflops);
  const cell: BenchCell = {
    model: spec.name,
    modelPath: cellPath(spec, dtype),
    device: model.device,
    deviceName: name,
    dtype,
    budget,
    clipSeconds,
    batch,
    samples,
    warmup: opts.warmup,
    iterations: latencies.length,
    wallSeconds: elapsed,
    audioSecondsPerSecond: audioSeconds / elapsed,
    clipsPerSecond: clips / elapsed,
    latencyMs: summarize(latencies),
    memory: mem,
    flops: {
      method: "analytic",
      perCall: flops.total,
      perAudioSecond: flops.total / (batch * clipSeconds),
      frames: flops.frames,
      components: flops.components,
    },
    achievedTflops,
    mfu: peak ? achievedTflops / peak.tflops : null,
    peak,
    cosineVsFloat32: null,
    float32Path: spec.path,
    quantizedEngine: model.quantizedEngine,
  };
  return { cell, probe };
}

/** A reduced-precision cell's input and pooled output, for the comparison with float32. */
interface AgreementProbe {
  input: { audio: Float32Array; batch: number; length: number };
  pooled: NonNullable<Awaited<ReturnType<Model["forward"]>>["pooled"]>;
}

async function pooledOf(
  model: Model,
  input: AgreementProbe["input"],
): Promise<AgreementProbe["pooled"]> {
  const pooled = (await model.forward(input, { outputs: ["pooled"] })).pooled;
  if (!pooled) throw new Error("the model returned no pooled output");
  return pooled;
}

/** Cosine similarity of two models' pooled embeddings of the same input, row by row. */
function cosines(
  a: AgreementProbe["pooled"],
  b: AgreementProbe["pooled"],
): { min: number; mean: number } {
  const width = a.shape[a.shape.length - 1] as number;
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let min = 1;
  let sum = 0;
  const rows = x.length / width;
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    let nx = 0;
    let ny = 0;
    for (let i = r * width; i < (r + 1) * width; i++) {
      dot += (x[i] as number) * (y[i] as number);
      nx += (x[i] as number) ** 2;
      ny += (y[i] as number) ** 2;
    }
    const cos = dot / Math.sqrt(nx * ny);
    min = Math.min(min, cos);
    sum += cos;
  }
  return { min, mean: sum / rows };
}
