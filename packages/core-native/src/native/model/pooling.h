// Pooling of hidden states over each clip's valid frames, run on the model's device so that
// only the small [layers, batch, D] result is copied back.
#pragma once

#include <torch/types.h>

#include <string>

namespace audiomap::model {

enum class PoolMode { kMean, kMeanStd, kMax };

/// Parses "mean" | "meanstd" | "max"; returns false for anything else.
bool ParsePoolMode(const std::string &name, PoolMode *mode);

/// hidden [L, B, F, H] (any float dtype), frameLengths [B] int64 on the same device, each in
/// [1, F]. Returns float32 [L, B, H] for mean and max, [L, B, 2H] for meanstd (mean then the
/// population standard deviation, i.e. divided by the number of valid frames).
torch::Tensor PoolFrames(const torch::Tensor &hidden, const torch::Tensor &frameLengths,
                         PoolMode mode);

}  // namespace audiomap::model
