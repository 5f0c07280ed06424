/**
 * Device selection, in one place: every "auto" | "cpu" | "cuda" | "cuda:N" is resolved here
 * against what the addon was compiled with and what it sees at run time.
 */
import { type NativeDeviceInfo, type NativeSupportedDevices, native } from "./binding.js";
import { DeviceError } from "./errors.js";

/** A device request. "auto" picks cuda:0 when a GPU is usable, else cpu. */
export type DeviceRequest = "auto" | "cpu" | "cuda" | `cuda:${number}`;

/** A resolved device. */
export type Device = "cpu" | `cuda:${number}`;

/** One usable device: name, and for CUDA the memory (bytes) and compute capability. */
export type DeviceInfo = NativeDeviceInfo;

/** Backends compiled into the addon and the devices visible now. */
export type SupportedDevices = NativeSupportedDevices;

/** Lists compiled-in backends and run-time visible devices (always including "cpu"). */
export function supportedDevices(): SupportedDevices {
  return native().supportedDevices();
}

const requestPattern = /^(auto|cpu|cuda|cuda:(0|[1-9]\d*))$/;

/**
 * Resolves a device request to "cpu" or "cuda:N".
 * @throws DeviceError (ERR_DEVICE_UNAVAILABLE) for an unknown value (listing the supported
 *   ones), for CUDA on a CPU-only build, and for a GPU index that is not visible.
 * @example resolveDevice("auto") // "cpu" on a machine without a GPU
 */
export function resolveDevice(request: DeviceRequest | string = "auto"): Device {
  const supported = supportedDevices();
  const visible = supported.devices.map((d) => d.device);
  const cuda = visible.filter((d) => d.startsWith("cuda:"));
  if (typeof request !== "string" || !requestPattern.test(request)) {
    throw new DeviceError(
      "ERR_DEVICE_UNAVAILABLE",
      `unknown device ${JSON.stringify(request)}: use "auto", "cpu", "cuda" or "cuda:N" ` +
        `(visible here: ${visible.join(", ")})`,
    );
  }
  if (request === "auto") return (cuda[0] as Device | undefined) ?? "cpu";
  if (request === "cpu") return "cpu";
  const wanted = request === "cuda" ? "cuda:0" : request;
  if (!supported.compiled.includes("cuda")) {
    throw new DeviceError(
      "ERR_DEVICE_UNAVAILABLE",
      `device "${request}" requested, but this audiomap addon was built against a CPU-only ` +
        `LibTorch; rebuild it against a CUDA LibTorch (packages/core-native/README.md) or use "cpu"`,
    );
  }
  if (!cuda.includes(wanted)) {
    const why = supported.cudaError ? ` (${supported.cudaError})` : "";
    throw new DeviceError(
      "ERR_DEVICE_UNAVAILABLE",
      `device "${request}" is not visible${why}; visible devices: ${visible.join(", ")}`,
    );
  }
  return wanted as Device;
}

/**
 * Why "auto" runs on the CPU although this build has CUDA compiled in (no GPU visible, and the
 * CUDA runtime's reason when it gave one); null when "auto" gets a GPU or the build is CPU-only,
 * where the CPU is the only choice. For a one-line note such as the CLI prints.
 * @example autoDeviceFallback() // "CUDA is compiled in but no GPU is visible; running on the CPU"
 */
export function autoDeviceFallback(): string | null {
  const supported = supportedDevices();
  if (!supported.compiled.includes("cuda")) return null;
  if (supported.devices.some((d) => d.type === "cuda")) return null;
  const why = supported.cudaError ? ` (${supported.cudaError})` : "";
  return `CUDA is compiled in but no GPU is visible${why}; running on the CPU`;
}
