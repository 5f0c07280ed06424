#include "model/pooling.h"

#include <torch/torch.h>

#include <limits>

namespace audiomap::model {

bool ParsePoolMode(const std::string &name, PoolMode *mode) {
  if (name == "mean") *mode = PoolMode::kMean;
  else if (name == "meanstd") *mode = PoolMode::kMeanStd;
  else if (name == "max") *mode = PoolMode::kMax;
  else return false;
  return true;
}

torch::Tensor PoolFrames(const torch::Tensor &hidden, const torch::Tensor &frameLengths,
                         PoolMode mode) {
  // Reduced-precision hidden states are pooled in float32: sums over hundreds of frames lose
  // too much in float16.
  torch::Tensor h = hidden.to(torch::kFloat);
  const int64_t frames = h.size(2);
  auto options = torch::TensorOptions().dtype(torch::kLong).device(h.device());
  torch::Tensor valid = torch::arange(frames, options).unsqueeze(0) < frameLengths.unsqueeze(1);
  torch::Tensor mask = valid.unsqueeze(0).unsqueeze(-1);  // [1, B, F, 1]
  if (mode == PoolMode::kMax) {
    return h.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity()).amax(2);
  }
  torch::Tensor weight = mask.to(torch::kFloat);
  torch::Tensor count = frameLengths.to(torch::kFloat).view({1, -1, 1});  // [1, B, 1]
  torch::Tensor mean = (h * weight).sum(2) / count;
  if (mode == PoolMode::kMean) return mean;
  torch::Tensor centred = (h - mean.unsqueeze(2)) * weight;
  torch::Tensor std = (centred * centred).sum(2).div(count).sqrt();
  return torch::cat({mean, std}, -1);
}

}  // namespace audiomap::model
