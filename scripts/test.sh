#!/usr/bin/env bash
# The full test suite: lint, the torch 2.x check, the CUDA build check, the GPU kit's dry run,
# per-package tests (turbo), Python export tests, cross-package tests.
# Expects scripts/setup.sh to have run (`npm test` runs both).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
PNPM=$(pnpm_bin)

log "lint (biome: TypeScript, JSON, Markdown)"
"$PNPM" exec biome ci .
log "lint (ruff: Python)"
node scripts/lint-python.mjs
log "torch 2.x: python tests and exports (Debian trixie chroot, see scripts/torch2.sh)"
bash scripts/torch2.sh
log "CUDA LibTorch: the addon built with its CUDA code, loaded in Node (trixie chroot, see scripts/torch-cuda.sh)"
bash scripts/torch-cuda.sh
log "GPU kit: bench/gpu packed, and its run.sh dry-run on the CPU in that chroot (see scripts/gpu-kit.sh)"
bash scripts/gpu-kit.sh
log "package tests"
"$PNPM" exec turbo run test --concurrency=1
log "python tests"
bash scripts/test-python.sh
log "cross-package tests"
"$PNPM" exec vitest run --config test/vitest.config.ts
