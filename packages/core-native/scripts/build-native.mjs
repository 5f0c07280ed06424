#!/usr/bin/env node
// Builds the addon with cmake-js against the first LibTorch found, in this documented order:
//   1. LIBTORCH   – root of an unpacked LibTorch archive (contains share/cmake/Torch)
//   2. Torch_DIR  – a directory holding TorchConfig.cmake
//   3. the CMake prefix of an importable Python torch ($PYTHON, python3, /usr/bin/python3)
//   4. the system package (Debian/Ubuntu libtorch-dev)
// Extra CMake options pass through AUDIOMAP_CMAKE_ARGS ("-DFOO=1 -DBAR=2").
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tried = [];

function hasConfig(dir) {
  return dir && existsSync(join(dir, "TorchConfig.cmake"));
}

function fromLibtorch() {
  const base = process.env.LIBTORCH;
  if (!base) {
    tried.push("LIBTORCH: not set");
    return null;
  }
  const dir = join(base, "share", "cmake", "Torch");
  if (hasConfig(dir)) return { source: `LIBTORCH=${base}`, torchDir: dir };
  tried.push(`LIBTORCH=${base}: no share/cmake/Torch/TorchConfig.cmake there`);
  return null;
}

function fromTorchDir() {
  const dir = process.env.Torch_DIR;
  if (!dir) {
    tried.push("Torch_DIR: not set");
    return null;
  }
  if (hasConfig(dir)) return { source: `Torch_DIR=${dir}`, torchDir: dir };
  tried.push(`Torch_DIR=${dir}: no TorchConfig.cmake there`);
  return null;
}

function fromPython() {
  const candidates = [process.env.PYTHON, "python3", "/usr/bin/python3"].filter(Boolean);
  for (const python of [...new Set(candidates)]) {
    let prefix;
    try {
      prefix = execFileSync(
        python,
        ["-c", "import torch.utils; print(torch.utils.cmake_prefix_path)"],
        { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
      ).trim();
    } catch {
      tried.push(`${python}: torch not importable`);
      continue;
    }
    const dir = join(prefix, "Torch");
    if (hasConfig(dir)) return { source: `Python torch (${python})`, torchDir: dir };
    tried.push(`${python}: torch has no CMake config at ${dir}`);
  }
  return null;
}

function fromSystem() {
  const dirs = [
    "/usr/lib/x86_64-linux-gnu/cmake/Torch",
    "/usr/lib/aarch64-linux-gnu/cmake/Torch",
    "/usr/lib/cmake/Torch",
    "/usr/local/lib/cmake/Torch",
    "/usr/share/cmake/Torch",
  ];
  const dir = dirs.find(hasConfig);
  if (dir) return { source: "system package", torchDir: dir };
  tried.push(`system package: no TorchConfig.cmake in ${dirs.join(", ")}`);
  return null;
}

const found = fromLibtorch() ?? fromTorchDir() ?? fromPython() ?? fromSystem();
if (!found) {
  console.error(
    [
      "audiomap: no LibTorch found. Tried, in order:",
      ...tried.map((t) => `  - ${t}`),
      "Fix it with one of:",
      "  - Debian/Ubuntu: sudo apt-get install libtorch-dev   (CPU, LibTorch 1.13)",
      "  - LIBTORCH=/path/to/libtorch  (an unpacked LibTorch archive, CPU or CUDA)",
      "  - Torch_DIR=/path/to/share/cmake/Torch",
      "  - a pip-installed torch importable by python3 (or by $PYTHON)",
    ].join("\n"),
  );
  process.exit(1);
}
console.log(`audiomap: using LibTorch from ${found.source} (${found.torchDir})`);

const extra = (process.env.AUDIOMAP_CMAKE_ARGS ?? "")
  .split(/\s+/)
  .filter(Boolean)
  .map((arg) => `--CD${arg.replace(/^-D/, "")}`);
const cmakeJs = join(root, "node_modules", ".bin", "cmake-js");
const args = [
  "compile",
  "--directory",
  root,
  "--out",
  join(root, "build"),
  `--CDTorch_DIR=${found.torchDir}`,
  "--parallel",
  String(Math.max(1, Number(process.env.AUDIOMAP_BUILD_JOBS ?? 2))),
  ...extra,
];
const result = spawnSync(cmakeJs, args, { stdio: "inherit", cwd: root });
process.exit(result.status ?? 1);
