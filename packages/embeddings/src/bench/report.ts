/** Markdown tables of a benchmark report and its baseline comparisons. */
import type { BaselineComparison } from "./baseline.js";
import { budgetLabel } from "./run.js";
import type { BenchMemory, BenchReport } from "./types.js";

const fmt = (v: number, digits = 3) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(digits));

function memoryText(m: BenchMemory): string {
  if (m.peakBytes === null) return "n/a";
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(b >= 2 ** 30 ? 0 : 1)} MiB`;
  return m.kind === "cuda-peak-allocated"
    ? `${mib(m.peakBytes)} (GPU)`
    : `+${mib(m.deltaBytes ?? 0)} RSS`;
}

/**
 * The report as Markdown: one row per cell, then (when given) one row per cell and baseline
 * mode with the ratio audiomap ÷ baseline.
 */
export function toMarkdown(report: BenchReport, baselines: BaselineComparison[] = []): string {
  const lines = [
    `audiomap bench, ${report.date}: ${report.host.cpu} (${report.host.cores} cores, ${report.host.threads} threads, ` +
      `load average ${report.host.loadAverage.join(" / ")}), Node ${report.host.node}, ` +
      `LibTorch ${report.host.torch}${report.host.addonCuda ? " (CUDA)" : " (CPU build)"}; warm-up ` +
      `${report.options.warmup} calls discarded, ≥ ${report.options.iterations} calls and ≥ ${report.options.minSeconds} s per cell.`,
    "",
    "| model | device | dtype | batch | clip s | audio-s/s | clips/s | p50 / p95 / p99 ms | peak memory | GFLOP per audio-s | TFLOP/s | MFU | cosine vs fp32 (min) |",
    "| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const c of report.cells) {
    const l = c.latencyMs;
    lines.push(
      `| ${c.model} | ${c.device} (${c.deviceName}) | ${c.quantizedEngine ? `${c.dtype} (${c.quantizedEngine})` : c.dtype} | ${c.batch} (${budgetLabel(c.budget)}) | ${c.clipSeconds} | ` +
        `${fmt(c.audioSecondsPerSecond)} | ${fmt(c.clipsPerSecond)} | ${fmt(l.p50)} / ${fmt(l.p95)} / ${fmt(l.p99)} | ` +
        `${memoryText(c.memory)} | ${fmt(c.flops.perAudioSecond / 1e9)} | ${c.achievedTflops.toPrecision(3)} | ` +
        `${c.mfu === null ? "n/a" : `${(100 * c.mfu).toFixed(1)}%`} | ` +
        `${c.cosineVsFloat32 ? c.cosineVsFloat32.min.toFixed(5) : "–"} |`,
    );
  }
  lines.push(
    "",
    "FLOPs: analytic matmul/conv count, 2 per MAC (docs/flops.md). Peak memory: GPU = CUDA allocator peak; " +
      "RSS = growth of the process's peak resident set during the timed calls. MFU = achieved ÷ datasheet dense peak " +
      "(n/a where no peak is known; pass --peak-tflops).",
  );
  if (baselines.length > 0) {
    lines.push(
      "",
      "| model | device | dtype | batch | clip s | baseline | its dtype / batch | baseline audio-s/s | audiomap ÷ baseline | note |",
      "| --- | --- | --- | --- | --- | --- | --- | ---: | ---: | --- |",
    );
    for (const b of baselines) {
      const c = report.cells[b.cell];
      if (!c) continue;
      const r = b.result;
      lines.push(
        `| ${c.model} | ${c.device} | ${c.dtype} | ${c.batch} | ${c.clipSeconds} | ${b.mode} | ` +
          `${r ? `${r.dtype} / ${r.batch}` : "-"} | ${r ? fmt(r.audio_seconds_per_s) : "-"} | ` +
          `${b.ratio === null ? "skipped" : `${b.ratio.toFixed(2)}×`} | ${escapeCell(b.skipped ?? r?.note ?? "")} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
