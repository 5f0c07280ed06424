// scripts/build-native.mjs is also the package's install script: when it cannot build, it must
// fail with one message that names what is missing and the fix, never a bare exit code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const script = new URL("../scripts/build-native.mjs", import.meta.url).pathname;
const emptyBin = mkdtempSync(join(tmpdir(), "audiomap-nobin-"));
afterAll(() => rmSync(emptyBin, { recursive: true, force: true }));

function install(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [script, "--install"], { encoding: "utf8", env });
}

describe("build-native.mjs --install", () => {
  it("names every missing build tool and the apt command, and exits 1", () => {
    // A PATH with no cmake, compiler or pkg-config.
    const r = install({ PATH: emptyBin, HOME: emptyBin });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "cannot build the native addon: missing cmake, a C++17 compiler, pkg-config",
    );
    expect(r.stderr).toContain(
      "sudo apt-get install cmake build-essential pkg-config libtorch-dev",
    );
    expect(r.stderr).toContain("npm rebuild @audiomap/core-native");
  });

  it("skips the build when AUDIOMAP_SKIP_BUILD=1", () => {
    const r = install({ PATH: emptyBin, AUDIOMAP_SKIP_BUILD: "1" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("AUDIOMAP_SKIP_BUILD=1, not building the native addon");
  });

  it("reports a LIBTORCH that holds no LibTorch among the places tried", () => {
    // The toolchain is there (the normal PATH), LIBTORCH points at an empty folder: the search
    // goes on and, on a machine with the system package, uses it and says so before building.
    // Only the search is run here: a --dry-run stops before cmake-js.
    const r = spawnSync(process.execPath, [script, "--dry-run"], {
      encoding: "utf8",
      env: { ...process.env, LIBTORCH: emptyBin },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/audiomap: using LibTorch from (system package|Python torch)/);
    expect(r.stdout).toContain(
      `LIBTORCH=${emptyBin}: no share/cmake/Torch/TorchConfig.cmake there`,
    );
  });
});
