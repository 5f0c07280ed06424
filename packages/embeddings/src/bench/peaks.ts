/**
 * Vendor datasheet peak throughput of common GPUs, in dense TFLOP/s (no 2:4 sparsity), used
 * as the denominator of MFU.
 *
 * - `float16` / `bfloat16`: tensor-core peak with FP32 accumulation.
 * - `float32`: CUDA-core FP32 peak. LibTorch runs fp32 matmuls without TF32 unless told to
 *   (`allow_tf32` is off by default for matmul since torch 1.12), so this is the honest
 *   denominator for an fp32 run.
 * Figures are at boost clock; sustained clocks under load are lower, so MFU here is a
 * conservative (lower) figure.
 */

/** Peak dense TFLOP/s of one device by dtype; null where the dtype has no fast path. */
export interface DevicePeak {
  /** Human name of the row. */
  name: string;
  float16: number;
  bfloat16: number | null;
  float32: number;
}

/** Rows are tried in order; the first whose pattern matches the CUDA device name wins. */
export const DEVICE_PEAKS: ReadonlyArray<{ match: RegExp; peak: DevicePeak }> = [
  { match: /H200 NVL/i, peak: { name: "H200 NVL", float16: 835.5, bfloat16: 835.5, float32: 60 } },
  { match: /H200/i, peak: { name: "H200 SXM", float16: 989.4, bfloat16: 989.4, float32: 66.9 } },
  { match: /H100 NVL/i, peak: { name: "H100 NVL", float16: 835.5, bfloat16: 835.5, float32: 60 } },
  {
    match: /H100.*PCIe/i,
    peak: { name: "H100 PCIe", float16: 756.5, bfloat16: 756.5, float32: 51.2 },
  },
  { match: /H100/i, peak: { name: "H100 SXM", float16: 989.4, bfloat16: 989.4, float32: 66.9 } },
  { match: /A100/i, peak: { name: "A100", float16: 312, bfloat16: 312, float32: 19.5 } },
  { match: /L40S/i, peak: { name: "L40S", float16: 362.1, bfloat16: 362.1, float32: 91.6 } },
  { match: /\bL4\b/i, peak: { name: "L4", float16: 121, bfloat16: 121, float32: 30.3 } },
  { match: /\bA10\b/i, peak: { name: "A10", float16: 125, bfloat16: 125, float32: 31.2 } },
  { match: /V100/i, peak: { name: "V100 SXM2", float16: 125, bfloat16: null, float32: 15.7 } },
  { match: /\bT4\b/i, peak: { name: "T4", float16: 65, bfloat16: null, float32: 8.1 } },
];

/** A peak figure and where it came from. */
export interface PeakLookup {
  tflops: number;
  source: string;
}

/**
 * The peak TFLOP/s for a device name and dtype: `override` when given (e.g. `--peak-tflops`
 * for a CPU), else the table row matching `deviceName`, else null (MFU is then reported n/a).
 */
export function lookupPeak(
  deviceName: string,
  dtype: "float32" | "float16" | "bfloat16",
  override?: number,
): PeakLookup | null {
  if (override !== undefined && override > 0) return { tflops: override, source: "--peak-tflops" };
  for (const row of DEVICE_PEAKS) {
    if (!row.match.test(deviceName)) continue;
    const v = row.peak[dtype];
    return v ? { tflops: v, source: `datasheet ${row.peak.name} ${dtype} dense` } : null;
  }
  return null;
}
