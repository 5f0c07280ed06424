#!/usr/bin/env bash
# Compiles (syntax only) the CUDA branches (#ifdef AUDIOMAP_WITH_CUDA) of the addon's sources
# on a machine without a CUDA LibTorch, so that CPU-only CI catches a misspelt c10/torch API or
# a type error there. Debian's LibTorch ships the c10/cuda headers but not the generated
# cuda_cmake_macros.h, so a stub of it goes in a temporary include dir. The CUDA runtime headers
# come from a toolkit (CUDA_HOME, or /usr/local/cuda*) when one is installed; otherwise from a
# few stand-in declarations written below (they are not CUDA and nothing is linked, so only a
# real CUDA build can catch what they hide).
#   packages/core-native/scripts/check-cuda-syntax.sh [files...]
#     (default: every source under src/native with a CUDA branch)
#   CUDA_HOME=/usr/local/cuda-12.4 packages/core-native/scripts/check-cuda-syntax.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
mkdir -p "$stub/c10/cuda/impl"
printf '#pragma once\n#define C10_CUDA_BUILD_SHARED_LIBS\n' >"$stub/c10/cuda/impl/cuda_cmake_macros.h"
CUDA_HOME=${CUDA_HOME:-$(ls -d /usr/local/cuda* 2>/dev/null | head -1 || true)}
if [ -n "$CUDA_HOME" ] && [ -f "$CUDA_HOME/include/cuda_runtime_api.h" ]; then
  cuda_include=$CUDA_HOME/include
  echo "check-cuda-syntax: CUDA headers from $cuda_include" >&2
else
  cuda_include=$stub
  echo "check-cuda-syntax: no CUDA toolkit headers; using stand-in declarations" >&2
  cat >"$stub/cuda_runtime_api.h" <<'H'
#pragma once
#include <cstddef>
typedef struct CUstream_st *cudaStream_t;
typedef struct CUevent_st *cudaEvent_t;
typedef struct CUgraph_st *cudaGraph_t;
typedef struct CUgraphExec_st *cudaGraphExec_t;
typedef enum cudaError { cudaSuccess = 0, cudaErrorMemoryAllocation = 2, cudaErrorInitializationError = 3, cudaErrorNotReady = 600 } cudaError_t;
typedef enum cudaStreamCaptureStatus { cudaStreamCaptureStatusNone, cudaStreamCaptureStatusActive, cudaStreamCaptureStatusInvalidated } cudaStreamCaptureStatus;
typedef enum cudaStreamCaptureMode { cudaStreamCaptureModeGlobal, cudaStreamCaptureModeThreadLocal, cudaStreamCaptureModeRelaxed } cudaStreamCaptureMode;
enum cudaMemcpyKind { cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice, cudaMemcpyDefault };
struct cudaDeviceProp { char name[256]; size_t totalGlobalMem; int major; int minor; };
const char *cudaGetErrorString(cudaError_t);
cudaError_t cudaGetLastError();
cudaError_t cudaStreamQuery(cudaStream_t);
cudaError_t cudaStreamSynchronize(cudaStream_t);
cudaError_t cudaStreamIsCapturing(cudaStream_t, cudaStreamCaptureStatus *);
cudaError_t cudaThreadExchangeStreamCaptureMode(cudaStreamCaptureMode *);
cudaError_t cudaGetDevice(int *);
cudaError_t cudaSetDevice(int);
cudaError_t cudaGetDeviceCount(int *);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaEventQuery(cudaEvent_t);
#define cudaEventDefault 0x00
#define cudaEventDisableTiming 0x02
cudaError_t cudaEventCreateWithFlags(cudaEvent_t *, unsigned int);
cudaError_t cudaEventDestroy(cudaEvent_t);
cudaError_t cudaEventRecord(cudaEvent_t, cudaStream_t);
cudaError_t cudaMemcpyAsync(void *, const void *, size_t, cudaMemcpyKind, cudaStream_t);
cudaError_t cudaMemcpy(void *, const void *, size_t, cudaMemcpyKind);
cudaError_t cudaStreamWaitEvent(cudaStream_t, cudaEvent_t, unsigned int);
cudaError_t cudaStreamGetPriority(cudaStream_t, int *);
cudaError_t cudaDeviceGetStreamPriorityRange(int *, int *);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *, int);
cudaError_t cudaMemGetInfo(size_t *, size_t *);
#define CUDART_VERSION 11070
H
  printf '#pragma once\n#include "cuda_runtime_api.h"\n' >"$stub/cuda.h"
  cp "$stub/cuda.h" "$stub/cuda_runtime.h"
fi
addon_api=$(node -p "require('node-addon-api').include_dir")
napi_headers=$(node -p "require('node-api-headers').include_dir")
files=("$@")
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(grep -rl AUDIOMAP_WITH_CUDA src/native --include='*.cc' | sort)
for f in "${files[@]}"; do
  echo "check-cuda-syntax: $f" >&2
  g++ -std=gnu++17 -fsyntax-only -Wall -Wextra -Wno-unused-parameter \
    -DAUDIOMAP_WITH_CUDA=1 -DAUDIOMAP_TORCH_VERSION='"cuda-check"' -DNAPI_VERSION=8 \
    -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
    -Isrc/native -I"$stub" -I"$napi_headers" -I"$addon_api" \
    -isystem /usr/include/torch/csrc/api/include -I"$cuda_include" "$f"
done
echo "check-cuda-syntax: ok (${#files[@]} files)" >&2
