#!/usr/bin/env bash
# Installs everything audiomap needs on a Debian/Ubuntu machine with Node 20 and builds it:
# system packages (only the missing ones), pnpm, node packages from the lockfile, the native
# addon, the TypeScript packages and the test fixtures. Safe to re-run; fast when up to date.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev python3-torch libopenblas0-pthread
  libsndfile1-dev libsoxr-dev libhnswlib-dev sox libsox-fmt-all ffmpeg espeak-ng
  python3-numpy python3-scipy python3-sklearn python3-soundfile python3-torchaudio
  python3-pytest umap-learn debootstrap
  slurm-wlm munge
  chromium fonts-dejavu-core
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing system packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PNPM=$(pnpm_bin)
if [ ! -x "$PNPM" ] && ! command -v "$PNPM" >/dev/null 2>&1; then
  log "installing pnpm $PNPM_VERSION into .tools/"
  # Installed from inside .tools/ rather than with --prefix: --prefix also moves npm's global
  # config ({prefix}/etc/npmrc), and with it settings such as the system's CA file.
  mkdir -p "$REPO_ROOT/.tools"
  [ -f "$REPO_ROOT/.tools/package.json" ] || echo '{ "private": true }' >"$REPO_ROOT/.tools/package.json"
  (cd "$REPO_ROOT/.tools" && npm install --silent --no-save --no-package-lock "pnpm@$PNPM_VERSION")
  PNPM=$(pnpm_bin)
fi

log "installing node packages (frozen lockfile)"
"$PNPM" install --frozen-lockfile --reporter=append-only

log "building packages and the native addon"
"$PNPM" exec turbo run build --output-logs=errors-only

log "generating test fixtures"
bash scripts/fixtures.sh
log "setup complete"
