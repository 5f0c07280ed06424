#!/usr/bin/env bash
# Builds the native addon WITH its CUDA code paths (AUDIOMAP_WITH_CUDA) on a machine without a
# GPU, and smoke-tests it: Debian trixie's CUDA LibTorch (libtorch-cuda-dev 2.6, contrib) and
# CUDA toolkit (nvidia-cuda-toolkit 12.4, non-free) live in a chroot under
# /var/cache/audiomap/torch-cuda-root (built by debootstrap whenever it is absent or its stamp of
# package versions changed: about 2.7 GB of downloads, 7.8 GB on disk, 3 minutes here; then reused by
# every clone on the machine; AUDIOMAP_CHROOT_CACHE moves it).
#   1. packages/core-native (this working tree) is built there by its own build script,
#      against the CUDA LibTorch; CMake must report "CUDA support ON";
#   2. Node (this machine's binary) loads the addon there and checks buildInfo().cuda,
#      supportedDevices() (cpu and cuda compiled in, no GPU visible), that "auto" falls back to
#      cpu, says so and runs fixtures/tiny.pt, and that "cuda" fails with ERR_DEVICE_UNAVAILABLE;
#   3. the package's whole test suite (this clone's tests, bind-mounted) runs there on that
#      addon, with the chroot's torch 2.6 as the Python reference: CPU inference through a
#      CUDA-enabled LibTorch.
# cuDNN: libtorch_cuda.so needs libcudnn.so.9 (and binds every symbol at load time), but Debian's
# nvidia-cudnn only downloads cuDNN from NVIDIA during its install, which cannot be reached here.
# Its download is declined and a stand-in libcudnn.so.9 (each function fails with
# CUDNN_STATUS_NOT_INITIALIZED) is built in the root; it is enough to load LibTorch and run CPU
# ops, nothing more. The addon built here needs trixie's glibc: it is a check, not an artifact.
# Any failure exits non-zero. AUDIOMAP_SKIP_TORCH_CUDA=1 skips the check (exit 0).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

CACHE=${AUDIOMAP_CHROOT_CACHE:-/var/cache/audiomap}
ROOT="$CACHE/torch-cuda-root"
LOG="$REPO_ROOT/.cache/torch-cuda.log"
SUITE=trixie
MIRROR=http://deb.debian.org/debian
# Exact versions: the stamp (and so the cached root) follows them. When a trixie point release
# replaces one, the install fails with apt's message; update the pin from
# `chroot "$ROOT" apt-cache policy libtorch-cuda-dev nvidia-cuda-toolkit`.
TORCH_CUDA_VERSION=2.6.0+dfsg-7+b1
CUDA_TOOLKIT_VERSION=12.4.131~12.4.1-2
PACKAGES="libtorch-cuda-dev=$TORCH_CUDA_VERSION nvidia-cuda-toolkit=$CUDA_TOOLKIT_VERSION \
cmake ninja-build g++ make pkg-config libsndfile1-dev libsoxr-dev libhnswlib-dev \
python3-torch-cuda=$TORCH_CUDA_VERSION python3-numpy sox libsox-fmt-all"
STUB_DIR=/opt/audiomap-cudnn-stub
STAMP="$SUITE main,contrib,non-free $PACKAGES cudnn-stub:2"

fail() {
  log "CUDA build check FAILED: $*"
  exit 1
}

if [ "${AUDIOMAP_SKIP_TORCH_CUDA:-0}" = 1 ]; then
  log "CUDA build check skipped (AUDIOMAP_SKIP_TORCH_CUDA=1)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
  fail "needs root or password-less sudo for debootstrap and chroot"
fi
[ -f fixtures/tiny.pt ] || fail "fixtures/tiny.pt is missing (scripts/fixtures.sh makes it)"
NODE=$(command -v node) || fail "node is not on PATH"

# Runs a command in the root with /proc mounted and, with `in_root --clone`, this clone
# bind-mounted at /src (its node_modules, fixtures and tests). The mounts are removed when the
# command ends; a run killed meanwhile leaves them to the next run's unmount_below. (A private
# mount namespace, `unshare --mount`, would be tidier, but fails inside a chroot such as
# scripts/fresh-machine.sh's, whose / is not a mount point.)
in_root() {
  local clone=0 status=0
  if [ "$1" = --clone ]; then
    clone=1
    shift
  fi
  unmount_below "$ROOT"
  as_root mount -t proc proc "$ROOT/proc"
  if [ $clone = 1 ]; then
    as_root mkdir -p "$ROOT/src"
    as_root mount --bind "$REPO_ROOT" "$ROOT/src"
  fi
  # UCX (loaded with the CUDA LibTorch's communication libraries) patches mmap and malloc and
  # hooks SIGSEGV at load time; with V8's concurrent GC threads that raced once in CI (a
  # segfault in V8's marking barrier while the addon loaded). audiomap uses none of UCX: its
  # memory hooks and signal handlers are turned off.
  as_root chroot "$ROOT" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp UCX_LOG_LEVEL=fatal \
    UCX_MEM_EVENTS=no UCX_MEM_MMAP_HOOK_MODE=none UCX_MEM_MALLOC_HOOKS=no UCX_ERROR_SIGNALS= \
    "$@" || status=$?
  unmount_below "$ROOT"
  return $status
}

# The stand-in libcudnn.so.9: every symbol LibTorch's libraries (libtorch_cuda, and
# libtorch_python for the Python reference) import from cuDNN (they carry the version node
# libcudnn.so.9), each returning CUDNN_STATUS_NOT_INITIALIZED (1001).
make_cudnn_stub() {
  as_root chroot "$1" bash -euo pipefail -c '
    out=$0 work=$(mktemp -d)
    for lib in /usr/lib/x86_64-linux-gnu/libtorch*.so.2.*; do nm -D --undefined-only "$lib"; done |
      awk '\''$2 ~ /@libcudnn\.so\.9$/ { sub(/@.*/, "", $2); print $2 }'\'' | sort -u >"$work/syms"
    [ -s "$work/syms" ]
    {
      echo "#include <stddef.h>"
      while read -r s; do
        case $s in
          cudnnGetErrorString) echo "const char *$s(int s) { (void)s; return \"cuDNN is not installed (audiomap stand-in)\"; }" ;;
          cudnnGetVersion | cudnnGetCudartVersion | cudnnGetMaxDeviceVersion) echo "size_t $s(void) { return 0; }" ;;
          *) echo "int $s(void) { return 1001; }" ;;
        esac
      done <"$work/syms"
    } >"$work/stub.c"
    { echo "libcudnn.so.9 { global:"; sed "s/\$/;/" "$work/syms"; echo "local: *; };"; } >"$work/stub.map"
    mkdir -p "$out"
    gcc -shared -fPIC -O1 -o "$out/libcudnn.so.9" -Wl,-soname,libcudnn.so.9 \
      -Wl,--version-script="$work/stub.map" "$work/stub.c"
    echo "cuDNN stand-in: $(wc -l <"$work/syms") symbols in $out/libcudnn.so.9"
    rm -rf "$work"' "$STUB_DIR"
}

build_root() {
  local new="$ROOT.new" started=$SECONDS
  command -v debootstrap >/dev/null 2>&1 || fail "debootstrap is not installed (scripts/setup.sh installs it)"
  log "building the CUDA LibTorch chroot ($SUITE: $PACKAGES) in $ROOT; about 2.6 GB to download"
  remove_root "$new"
  mkdir -p "$(dirname "$LOG")"
  if ! as_root debootstrap --variant=minbase "$SUITE" "$new" "$MIRROR" >"$LOG" 2>&1; then
    tail -n 5 "$LOG" >&2
    remove_root "$new"
    fail "debootstrap $SUITE failed (log: $LOG)"
  fi
  as_root cp /etc/resolv.conf "$new/etc/resolv.conf"
  echo "deb $MIRROR $SUITE main contrib non-free" | as_root tee "$new/etc/apt/sources.list" >/dev/null
  # nvidia-cudnn (a dependency of libtorch-cuda) would fetch cuDNN from NVIDIA: decline it.
  echo "nvidia-cudnn nvidia-cudnn/question select I Decline" |
    as_root chroot "$new" debconf-set-selections
  # shellcheck disable=SC2086
  if ! as_root chroot "$new" bash -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $PACKAGES && apt-get clean" >>"$LOG" 2>&1; then
    grep -E '^(E|W):' "$LOG" | tail -n 5 >&2 || tail -n 5 "$LOG" >&2
    remove_root "$new"
    fail "apt-get install in the $SUITE root failed (log: $LOG)"
  fi
  if ! make_cudnn_stub "$new" >>"$LOG" 2>&1; then
    tail -n 5 "$LOG" >&2
    remove_root "$new"
    fail "building the cuDNN stand-in failed (log: $LOG)"
  fi
  echo "$STAMP" | as_root tee "$new/.audiomap-stamp" >/dev/null
  remove_root "$ROOT"
  as_root mv "$new" "$ROOT"
  log "chroot ready in $((SECONDS - started)) s ($(as_root du -sh "$ROOT" | cut -f1))"
}

as_root mkdir -p "$CACHE"
# One run at a time per cache: two clones on one machine share the root and its /repo.
exec 9>"${TMPDIR:-/tmp}/audiomap-torch-cuda.lock"
flock 9
[ "$(cat "$ROOT/.audiomap-stamp" 2>/dev/null)" = "$STAMP" ] || build_root

# A fresh copy of the code under test: the package's sources, its compiled TypeScript (built
# here with the repo's tsc), its dependencies copied flat from this clone's node_modules (the
# build runs offline), the tiny fixture, and this machine's node binary.
started=$SECONDS
stage=$(mktemp -d)
trap 'unmount_below "$ROOT"; rm -rf "$stage"' EXIT
mkdir -p "$stage/repo/packages/core-native" "$stage/repo/fixtures"
tar -c --exclude=node_modules --exclude=build --exclude=dist -C packages/core-native . |
  tar -x -C "$stage/repo/packages/core-native"
"$REPO_ROOT/node_modules/.bin/tsc" -p packages/core-native/tsconfig.json \
  --outDir "$stage/repo/packages/core-native/dist" --declaration false --declarationMap false \
  --sourceMap false || fail "tsc -p packages/core-native failed"
(cd packages/core-native && "$NODE" - "$stage/repo/packages/core-native/node_modules") <<'JS' ||
// Copies the package's dependency closure, resolved as Node resolves it, into one flat folder.
const { createRequire } = require("node:module");
const fs = require("node:fs");
const path = require("node:path");
const seen = new Map();
function walk(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const paths = createRequire(path.join(dir, "package.json")).resolve.paths("x");
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    const found = paths.map((p) => path.join(p, name)).find((p) => fs.existsSync(p));
    if (!found) throw new Error(`${name} (needed by ${dir}) is not installed`);
    const real = fs.realpathSync(found);
    if (seen.has(name)) {
      if (seen.get(name) !== real) throw new Error(`two versions of ${name}: cannot copy flat`);
      continue;
    }
    seen.set(name, real);
    walk(real);
  }
}
walk(process.cwd());
for (const [name, real] of seen)
  fs.cpSync(real, path.join(process.argv[2], name), { recursive: true, dereference: true });
JS
  fail "copying packages/core-native's dependencies failed (run scripts/setup.sh first)"
cp fixtures/tiny.pt "$stage/repo/fixtures/"
as_root rm -rf "$ROOT/repo"
as_root cp -a "$stage/repo" "$ROOT/repo"
as_root install -m 755 "$NODE" "$ROOT/usr/local/bin/node"

log "building packages/core-native against $SUITE's CUDA LibTorch ($TORCH_CUDA_VERSION, CUDA 12.4)"
mkdir -p "$(dirname "$LOG")"
if ! in_root bash -c "cd /repo/packages/core-native && AUDIOMAP_BUILD_JOBS=$(nproc) \
  node scripts/build-native.mjs" >"$LOG.build" 2>&1; then
  grep -E 'error|Error' "$LOG.build" | sort -u | head -n 20 >&2 || true
  fail "the addon did not build against the CUDA LibTorch (log: $LOG.build)"
fi
grep -q "audiomap: CUDA support ON" "$LOG.build" ||
  fail "CMake did not enable CUDA support (log: $LOG.build)"
log "built in $((SECONDS - started)) s; smoke check in Node $("$NODE" --version)"

in_root env LD_LIBRARY_PATH="$STUB_DIR" node --input-type=module - <<'JS' || fail "the Node smoke check failed"
import assert from "node:assert/strict";
import {
  autoDeviceFallback,
  loadModel,
  native,
  resolveDevice,
  supportedDevices,
} from "/repo/packages/core-native/dist/index.js";

const info = native().buildInfo();
assert.equal(info.cuda, true, "buildInfo().cuda");
const devices = supportedDevices();
console.log(`LibTorch ${info.torchVersion}, supportedDevices: ${JSON.stringify(devices)}`);
assert.deepEqual(devices.compiled, ["cpu", "cuda"]);
assert.equal(native().devstats.cuda, true, "devstats.cuda");
const gpus = devices.devices.filter((d) => d.type === "cuda");
const auto = gpus.length > 0 ? "cuda:0" : "cpu";
assert.equal(resolveDevice("auto"), auto);
if (gpus.length === 0) {
  // "auto" says why it runs on the CPU (the CLI prints this line).
  assert.match(autoDeviceFallback() ?? "", /^CUDA is compiled in but no GPU is visible/);
  console.log(`auto: ${autoDeviceFallback()}`);
  for (const device of ["cuda", "cuda:0", "cuda:1"]) {
    await assert.rejects(loadModel("/repo/fixtures/tiny.pt", { device }), (err) => {
      assert.equal(err.code, "ERR_DEVICE_UNAVAILABLE", err.message);
      return true;
    });
  }
}
const model = await loadModel("/repo/fixtures/tiny.pt", { device: "auto" });
assert.equal(model.device, auto);
const length = 16000;
const audio = new Float32Array(length).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 220 * i) / 16000));
const out = await model.forward({ audio, batch: 1, length }, { outputs: ["pooled", "logits"] });
for (const name of ["pooled", "logits"]) {
  assert.ok(out[name] && Array.from(out[name].data).every(Number.isFinite), `finite ${name}`);
}
console.log(`tiny.pt on ${auto}: logits ${Array.from(out.logits.data, (x) => x.toFixed(4)).join(" ")}`);
model.dispose();
JS
log "CUDA build loads; the core-native test suite on it (CPU inference through the CUDA LibTorch)"
# Every test of the package, with this clone's tests and fixtures, the CUDA-enabled addon
# (AUDIOMAP_NATIVE_PATH) and the chroot's torch 2.6 as the Python reference.
if ! in_root --clone env LD_LIBRARY_PATH="$STUB_DIR" \
  AUDIOMAP_NATIVE_PATH=/repo/packages/core-native/build/Release/audiomap.node \
  AUDIOMAP_PYTHON=/usr/bin/python3 CI="${CI:-}" \
  sh -c 'cd /src/packages/core-native && exec /src/node_modules/.bin/vitest run' \
  >"$LOG.test" 2>&1; then
  grep -E '(FAIL|×|Error:)' "$LOG.test" | head -n 30 >&2 || tail -n 30 "$LOG.test" >&2
  fail "the core-native tests failed on the CUDA build (log: $LOG.test)"
fi
sed 's/\x1b\[[0-9;]*m//g' "$LOG.test" | grep -E '^ *Tests +[0-9]' | tail -n 1 >&2 || true
log "CUDA build check passed in $((SECONDS - started)) s (addon built with CUDA, loaded, tested on cpu)"
