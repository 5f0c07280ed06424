// Devices and threads: which backends were compiled in, what is visible at run time, and the
// intra-op thread count that forward calls use.
#pragma once

#include <torch/types.h>

#include <string>

namespace audiomap::model {

/// Parses an already-resolved device ("cpu", "cuda:N") and checks that it can be used here.
/// Throws CodedError(ERR_DEVICE_UNAVAILABLE) when the build or the machine lacks it.
torch::Device CheckedDevice(const std::string &spec);

/// Makes the calling thread use `threads` intra-op threads (0 = the process setting).
/// OpenMP keeps the count per thread, so every worker thread applies it before running.
void ApplyThreads(int threads);

/// The process-wide intra-op thread count set by setThreads (0 until set).
int ProcessThreads();

}  // namespace audiomap::model
