#!/usr/bin/env bash
# The CI dry run of the one-shot GPU kit (bench/gpu, docs/benchmarks.md "The GPU kit"), so that
# the kit cannot rot between the rare runs on a GPU host:
#   1. bench/gpu/pack.sh packs the kit here (and fails above 50 MiB);
#   2. bench/gpu/run.sh --cpu runs from that kit alone in the CUDA LibTorch chroot of
#      scripts/torch-cuda.sh (Debian trixie: python3-torch-cuda 2.6, nvcc 12.4, CMake, ninja),
#      the nearest thing here to the GPU host: it builds the addon with CUDA against the torch
#      found by Python, with the kit's Node (the chroot's own is kept off PATH) and the kit's
#      libsndfile, libsoxr and pkgconf (--kit-libs), then runs every step at tiny sizes;
#   3. its gpu-run.json is checked: every step present and ok, the addon built with CUDA, each
#      parity check passed, the OOM split seen, and the only skipped baselines the Hugging Face
#      ones for want of transformers (trixie does not package it, PyPI is out of reach here).
# The chroot must exist: scripts/torch-cuda.sh builds it (test.sh runs that first). The work
# folder /gpu-kit-work in the root is kept, so a warm run's addon build is incremental. The
# budget is 1 500 s rather than the GPU run's 480: a cold CUDA LibTorch build alone takes
# minutes on 2 cores (the budget logic is still exercised: each step is capped by what is left).
# Copies of the report land in .cache/gpu-kit/. AUDIOMAP_SKIP_GPU_KIT=1 skips the check (exit 0).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

CACHE=${AUDIOMAP_CHROOT_CACHE:-/var/cache/audiomap}
ROOT="$CACHE/torch-cuda-root"
STUB_DIR=/opt/audiomap-cudnn-stub # the cuDNN stand-in scripts/torch-cuda.sh builds
SAVED="$REPO_ROOT/.cache/gpu-kit"

fail() {
  log "GPU kit dry run FAILED: $*"
  exit 1
}
if [ "${AUDIOMAP_SKIP_GPU_KIT:-0}" = 1 ]; then
  log "GPU kit dry run skipped (AUDIOMAP_SKIP_GPU_KIT=1)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
  fail "needs root or password-less sudo for chroot"
fi
started=$SECONDS
bash bench/gpu/pack.sh || fail "bench/gpu/pack.sh failed"

# The same lock as scripts/torch-cuda.sh: it rebuilds this root when its package pins change.
exec 9>"${TMPDIR:-/tmp}/audiomap-torch-cuda.lock"
flock 9
[ -f "$ROOT/.audiomap-stamp" ] && [ -f "$ROOT$STUB_DIR/libcudnn.so.9" ] ||
  fail "no CUDA LibTorch chroot at $ROOT: run bash scripts/torch-cuda.sh first (it builds it)"
trap 'unmount_below "$ROOT"' EXIT
as_root rm -rf "$ROOT/gpu-kit"
as_root mkdir -p "$ROOT/gpu-kit/bench" "$ROOT/gpu-kit-work"
as_root cp -a bench/gpu "$ROOT/gpu-kit/bench/"

log "bench/gpu/run.sh --cpu in the CUDA LibTorch chroot (kit packed $((SECONDS - started)) s)"
unmount_below "$ROOT"
as_root mount -t proc proc "$ROOT/proc"
status=0
# UCX: as in scripts/torch-cuda.sh (its memory hooks and signal handlers raced V8 once).
as_root chroot "$ROOT" env -i PATH=/usr/bin:/bin HOME=/tmp LD_LIBRARY_PATH="$STUB_DIR" \
  UCX_LOG_LEVEL=fatal UCX_MEM_EVENTS=no UCX_MEM_MMAP_HOOK_MODE=none UCX_MEM_MALLOC_HOOKS=no \
  UCX_ERROR_SIGNALS= bash /gpu-kit/bench/gpu/run.sh --cpu --kit-libs --python /usr/bin/python3 \
  --out /gpu-kit/out --work /gpu-kit-work --budget 1500 || status=$?
unmount_below "$ROOT"
mkdir -p "$SAVED"
cp "$ROOT/gpu-kit/out/"* "$SAVED/" 2>/dev/null || true
[ $status -eq 0 ] || fail "run.sh exited with $status (log: $SAVED/gpu-run.log)"
[ -f "$SAVED/gpu-run.json" ] || fail "run.sh wrote no gpu-run.json (log: $SAVED/gpu-run.log)"

node bench/gpu/check-report.mjs "$SAVED/gpu-run.json" --cpu ||
  fail "the dry run's report does not pass (report: $SAVED/gpu-run.md, log: $SAVED/gpu-run.log)"
log "GPU kit dry run passed in $((SECONDS - started)) s (report: $SAVED/gpu-run.md)"
