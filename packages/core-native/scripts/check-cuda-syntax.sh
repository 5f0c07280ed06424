#!/usr/bin/env bash
# Compiles (syntax only) the CUDA-guarded code paths (AUDIOMAP_WITH_CUDA) against the system
# LibTorch headers plus a CUDA toolkit's headers, on a machine without a CUDA LibTorch.
# Debian's LibTorch ships c10/cuda headers but not the generated cuda_cmake_macros.h, so a stub
# is written to a temporary include dir.
#   scripts/check-cuda-syntax.sh [files...]   (default: src/native/model/*.cc)
#   CUDA_HOME=/usr/local/cuda-13.0 scripts/check-cuda-syntax.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CUDA_HOME=${CUDA_HOME:-$(ls -d /usr/local/cuda* 2>/dev/null | head -1)}
if [ ! -f "$CUDA_HOME/include/cuda_runtime_api.h" ]; then
  echo "check-cuda-syntax: no CUDA headers (set CUDA_HOME)" >&2
  exit 1
fi
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
mkdir -p "$stub/c10/cuda/impl"
printf '#pragma once\n#define C10_CUDA_BUILD_SHARED_LIBS\n' >"$stub/c10/cuda/impl/cuda_cmake_macros.h"
addon_api=$(node -p "require('node-addon-api').include_dir")
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(src/native/model/*.cc)
for f in "${files[@]}"; do
  echo "check-cuda-syntax: $f"
  g++ -std=c++17 -fsyntax-only -Wall -Wextra -Wno-unused-parameter \
    -DAUDIOMAP_WITH_CUDA=1 -DAUDIOMAP_TORCH_VERSION='"cuda-check"' -DNAPI_VERSION=8 \
    -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
    -Isrc/native -I"$stub" -I/usr/include/node -I"$addon_api" \
    -I/usr/include/torch/csrc/api/include -I"$CUDA_HOME/include" "$f"
done
