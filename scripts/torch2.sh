#!/usr/bin/env bash
# Checks tools/export on torch 2.x, which bookworm does not package: Debian trixie's
# python3-torch (2.6) runs in a chroot under /var/cache/audiomap/torch2-root (built by
# debootstrap whenever it is absent or its package list changed, about 3 minutes and 1.6 GB, then
# reused by every clone on the machine; AUDIOMAP_CHROOT_CACHE moves it).
#   1. the Python suite (tools/**/tests) runs there, on torch 2.x and Python 3.13;
#   2. the tiny fixtures are exported there with torch 2.x, and torch 2.x's outputs on a padded
#      batch are written to fixtures/torch2/. packages/core-native/test/model.torch2.test.ts
#      then checks that the addon (this machine's LibTorch) loads those files and gives the
#      same numbers: a model exported with torch 2.x must run in audiomap.
# Where the chroot cannot be built (no root or sudo, no network to deb.debian.org) it says
# why and exits 0, and the Node test reports itself skipped. AUDIOMAP_SKIP_TORCH2=1 skips it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

CACHE=${AUDIOMAP_CHROOT_CACHE:-/var/cache/audiomap}
ROOT="$CACHE/torch2-root"
LOG="$REPO_ROOT/.cache/torch2-debootstrap.log"
OUT="$REPO_ROOT/fixtures/torch2"
SUITE=trixie
# debootstrap installs the first set; its configure step fails on python3-soundfile's
# dependencies (python3-pycparser), so the second set comes from apt inside the root.
PACKAGES=python3-torch,python3-numpy,python3-pytest
MORE_PACKAGES="python3-soundfile python3-safetensors espeak-ng sox"
STAMP="$SUITE $PACKAGES $MORE_PACKAGES"

skip() {
  log "torch 2.x check SKIPPED: $*"
  exit 0
}

rm -rf "$OUT" # written again only by a complete run

# debootstrap mounts /proc and /sys inside the root while it installs; a run killed midway can
# leave them there: remove_root (lib.sh) unmounts them before deleting.
[ "${AUDIOMAP_SKIP_TORCH2:-0}" = 1 ] && skip "AUDIOMAP_SKIP_TORCH2=1"
if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
  skip "needs root or password-less sudo for debootstrap and chroot"
fi

as_root mkdir -p "$CACHE"
# One run at a time per cache: two clones on one machine share the root and its /repo, /out.
exec 9>"${TMPDIR:-/tmp}/audiomap-torch2.lock"
flock 9
if [ "$(cat "$ROOT/.audiomap-stamp" 2>/dev/null)" != "$STAMP" ]; then
  command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is not installed (scripts/setup.sh installs it)"
  log "building the torch 2.x chroot ($SUITE: $PACKAGES $MORE_PACKAGES) in $ROOT"
  remove_root "$ROOT"
  mkdir -p "$(dirname "$LOG")"
  if ! as_root debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" \
    http://deb.debian.org/debian >"$LOG" 2>&1; then
    tail -n 5 "$LOG" >&2
    remove_root "$ROOT"
    skip "debootstrap $SUITE failed (log: $LOG)"
  fi
  as_root cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  if ! as_root chroot "$ROOT" bash -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $MORE_PACKAGES" \
    >>"$LOG" 2>&1; then
    tail -n 5 "$LOG" >&2
    remove_root "$ROOT"
    skip "apt-get install $MORE_PACKAGES in the $SUITE root failed (log: $LOG)"
  fi
  echo "$STAMP" | as_root tee "$ROOT/.audiomap-stamp" >/dev/null
fi

# A fresh copy of the code under test; /shared/reference sits beside /repo as ../shared does here.
as_root rm -rf "$ROOT/repo" "$ROOT/shared" "$ROOT/out"
as_root mkdir -p "$ROOT/repo" "$ROOT/out"
tar -c --exclude=__pycache__ tools scripts packages/model-kws/model packages/core-native/test/python |
  as_root tar -x -C "$ROOT/repo"
if [ -d "$REPO_ROOT/../shared/reference" ]; then
  as_root mkdir -p "$ROOT/shared"
  as_root cp -r "$REPO_ROOT/../shared/reference" "$ROOT/shared/"
fi
# /proc is not mounted in the root (nothing mounted means nothing to unmount or to delete
# through): torch's cpuinfo then complains once per process, which is filtered out.
in_root() {
  as_root chroot "$ROOT" env PYTHONPATH=/repo/tools/export PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp UCX_LOG_LEVEL=fatal "$@"
}
versions=$(in_root python3 -c 'import sys, torch; print(torch.__version__, sys.version.split()[0])' 2>/dev/null)
log "python tests on torch ${versions% *} (Python ${versions#* })"
in_root bash -c 'cd /repo && python3 -m pytest tools -q -rs -p no:cacheprovider' 2> >(grep -v 'cpuinfo' >&2)

log "exporting the tiny fixtures with torch ${versions% *}"
CONFIGS=/repo/tools/export/configs
in_root python3 -m audiomap_export batch - 2> >(grep -v 'cpuinfo' >&2) <<ARGS
--random-init --config $CONFIGS/tiny.json --seed 1 -o /out/tiny.pt --labels-from $CONFIGS/tiny-labels.json
--random-init --config $CONFIGS/tiny-rotary.json --seed 3 -o /out/tiny-rotary.pt
--random-init --config $CONFIGS/tiny-group.json --seed 4 -o /out/tiny-group.pt
ARGS
in_root python3 - 2> >(grep -v 'cpuinfo' >&2) <<'PY'
# A padded batch of three clips (the two shorter ones zero-padded), and torch 2.x's outputs.
import json, os, subprocess, sys

import numpy as np
import torch

batch, length, lengths, layers = 3, 16000, [16000, 9000, 4410], [0, 1, -1]
rng = np.random.default_rng(7)
t = np.arange(length) / 16000.0
audio = np.zeros((batch, length), dtype=np.float32)
for b in range(batch):
    f = 120 + 40 * b
    clip = 0.5 * np.sin(2 * np.pi * f * t) + 0.2 * np.sin(2 * np.pi * 3.1 * f * t)
    clip = clip + 0.1 * (rng.random(length) - 0.5)
    audio[b, : lengths[b]] = clip[: lengths[b]]
models = ["tiny", "tiny-rotary", "tiny-group"]
for name in models:
    work = f"/out/{name}"
    os.makedirs(work)
    with open(f"{work}/input.json", "w") as f:
        json.dump({"batch": batch, "length": length, "lengths": lengths, "layers": layers}, f)
    audio.tofile(f"{work}/audio.f32")
    run = "/repo/packages/core-native/test/python/run_module.py"
    subprocess.run([sys.executable, run, f"/out/{name}.pt", work, "1"], check=True)
versions = {"torch": torch.__version__, "python": sys.version.split()[0], "models": models}
with open("/out/versions.json", "w") as f:
    json.dump(versions, f)
PY
mkdir -p "$OUT"
cp -r "$ROOT/out/." "$OUT/"
log "torch ${versions% *} exports and reference outputs written to fixtures/torch2/"
