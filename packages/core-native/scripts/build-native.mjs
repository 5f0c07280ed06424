#!/usr/bin/env node
// Builds the addon with cmake-js against the first LibTorch found, in this documented order:
//   1. LIBTORCH   – root of an unpacked LibTorch archive (contains share/cmake/Torch)
//   2. Torch_DIR  – a directory holding TorchConfig.cmake
//   3. the CMake prefix of an importable Python torch ($PYTHON, python3, /usr/bin/python3)
//   4. the system package (Debian/Ubuntu libtorch-dev)
// Extra CMake options pass through AUDIOMAP_CMAKE_ARGS ("-DFOO=1 -DBAR=2").
//
// It is also the package's `install` script (`--install`), so that `npm install
// @audiomap/core-native` builds the addon: cmake-js is found through Node's module resolution,
// wherever npm, pnpm or yarn put it. AUDIOMAP_SKIP_BUILD=1 skips the install-time build (for an
// addon given by AUDIOMAP_NATIVE_PATH). Any failure exits non-zero with one message that says
// what was tried and how to fix it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const installing = process.argv.includes("--install");
// --dry-run: search and report, build nothing (used by the tests).
const dryRun = process.argv.includes("--dry-run");
const tried = [];

if (installing && process.env.AUDIOMAP_SKIP_BUILD === "1") {
  console.log("audiomap: AUDIOMAP_SKIP_BUILD=1, not building the native addon");
  process.exit(0);
}

function fail(lines) {
  console.error(lines.join("\n"));
  process.exit(1);
}

// The build tools and libraries besides LibTorch, checked first so that one message names all
// that is missing and the one apt command that brings it.
function checkToolchain() {
  const missing = [];
  const runs = (cmd, args) => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
  if (!runs("cmake", ["--version"])) missing.push(["cmake", "cmake"]);
  if (!runs("c++", ["--version"]) && !runs("g++", ["--version"]))
    missing.push(["a C++17 compiler", "build-essential"]);
  if (!runs("pkg-config", ["--version"])) missing.push(["pkg-config", "pkg-config"]);
  else {
    if (!runs("pkg-config", ["--exists", "sndfile"]))
      missing.push(["libsndfile", "libsndfile1-dev"]);
    if (!runs("pkg-config", ["--exists", "soxr"])) missing.push(["libsoxr", "libsoxr-dev"]);
  }
  if (missing.length === 0) return;
  fail([
    `audiomap: cannot build the native addon: missing ${missing.map(([what]) => what).join(", ")}.`,
    `Fix it with: sudo apt-get install ${missing.map(([, pkg]) => pkg).join(" ")} libtorch-dev`,
    "then run the build again (npm rebuild @audiomap/core-native).",
  ]);
}

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

// cmake-js, wherever the package manager put it: nested (pnpm), hoisted (npm, yarn).
function findCmakeJs() {
  try {
    const pkgJson = createRequire(join(root, "package.json")).resolve("cmake-js/package.json");
    const bin = join(dirname(pkgJson), "bin", "cmake-js");
    if (existsSync(bin)) return bin;
    fail([`audiomap: cmake-js is installed at ${dirname(pkgJson)} but has no bin/cmake-js.`]);
  } catch (err) {
    fail([
      `audiomap: cannot find cmake-js from ${root} (${err.message}).`,
      "It is a dependency of @audiomap/core-native: reinstall the package (npm install).",
    ]);
  }
}

checkToolchain();
const found = fromLibtorch() ?? fromTorchDir() ?? fromPython() ?? fromSystem();
if (!found) {
  fail([
    "audiomap: cannot build the native addon: no LibTorch found. Tried, in order:",
    ...tried.map((t) => `  - ${t}`),
    "Fix it with one of:",
    "  - Debian/Ubuntu: sudo apt-get install libtorch-dev   (CPU, LibTorch 1.13)",
    "  - LIBTORCH=/path/to/libtorch  (an unpacked LibTorch archive, CPU or CUDA)",
    "  - Torch_DIR=/path/to/share/cmake/Torch",
    "  - a pip-installed torch importable by python3 (or by $PYTHON)",
    "then run the build again (npm rebuild @audiomap/core-native).",
  ]);
}
console.log(`audiomap: using LibTorch from ${found.source} (${found.torchDir})`);
if (tried.length > 0) console.log(`audiomap: passed over: ${tried.join("; ")}`);
if (dryRun) process.exit(0);

const extra = (process.env.AUDIOMAP_CMAKE_ARGS ?? "")
  .split(/\s+/)
  .filter(Boolean)
  .map((arg) => `--CD${arg.replace(/^-D/, "")}`);
const cmakeJs = findCmakeJs();
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
const result = spawnSync(process.execPath, [cmakeJs, ...args], { stdio: "inherit", cwd: root });
if (result.status !== 0)
  fail([
    `audiomap: building the native addon failed (cmake-js exited with ${result.status ?? result.signal}); the compiler's messages are above.`,
    `LibTorch: ${found.source} (${found.torchDir}).`,
  ]);
console.log(`audiomap: built ${join(root, "build", "Release", "audiomap.node")}`);
