#!/usr/bin/env bash
# Syntax-checks the CUDA branches (#ifdef AUDIOMAP_WITH_CUDA) of native sources on a machine
# without the CUDA toolkit: compiles with -fsyntax-only against the installed LibTorch's c10/cuda
# headers and a few stand-in declarations of the CUDA runtime API (generated below; they are
# not CUDA and nothing is linked). Catches misspelt c10/torch APIs and type errors; it cannot
# catch what only real CUDA headers or a link would reveal. Usage:
#   bash tools/bench/check-cuda-syntax.sh [files...]   (default: core-native devstats)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STUB=$(mktemp -d)
trap 'rm -rf "$STUB"' EXIT
mkdir -p "$STUB/c10/cuda/impl"
echo '#pragma once' >"$STUB/c10/cuda/impl/cuda_cmake_macros.h"
cat >"$STUB/cuda_runtime_api.h" <<'H'
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
cudaError_t cudaMemcpyAsync(void *, const void *, size_t, cudaMemcpyKind, cudaStream_t);
cudaError_t cudaMemcpy(void *, const void *, size_t, cudaMemcpyKind);
cudaError_t cudaStreamWaitEvent(cudaStream_t, cudaEvent_t, unsigned int);
cudaError_t cudaStreamGetPriority(cudaStream_t, int *);
cudaError_t cudaDeviceGetStreamPriorityRange(int *, int *);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *, int);
cudaError_t cudaMemGetInfo(size_t *, size_t *);
#define CUDART_VERSION 11070
H
printf '#pragma once\n#include "cuda_runtime_api.h"\n' >"$STUB/cuda.h"
cp "$STUB/cuda.h" "$STUB/cuda_runtime.h"
cd "$ROOT/packages/core-native"
NAPI=$(node -p "require('node-addon-api').include_dir")
NAPIH=$(node -p "require('node-api-headers').include_dir")
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(src/native/devstats/devstats.cc)
for f in "${files[@]}"; do
  echo "syntax check (CUDA branch): $f" >&2
  c++ -fsyntax-only -std=gnu++17 -Wall -Wextra -Wno-unused-parameter -DAUDIOMAP_WITH_CUDA=1 \
    -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -I"$STUB" -I"$NAPIH" -I"$NAPI" -Isrc/native \
    -isystem /usr/include/torch/csrc/api/include "$f"
done
echo "ok" >&2
