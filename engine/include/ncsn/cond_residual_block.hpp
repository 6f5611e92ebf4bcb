#pragma once
// Pre-activation residual block conditioned on the noise level (norm -> ELU -> conv, twice).
#include <optional>

#include <torch/torch.h>

#include "ncsn/cond_instance_norm_pp.hpp"

namespace ncsn {

struct CondResidualBlockOptions {
  int64_t in_channels;
  int64_t out_channels;
  int64_t num_classes;
  bool downsample = false;  // halve the resolution, unless dilated (dilation replaces subsampling)
  int64_t dilation = 1;     // 1 = plain 3x3 convolutions
};

struct CondResidualBlockImpl : torch::nn::Module {
  explicit CondResidualBlockImpl(const CondResidualBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& labels);

  CondInstanceNormPP normalize1{nullptr}, normalize2{nullptr};
  torch::nn::AnyModule conv1, conv2, shortcut;  // Conv2d or ConvMeanPool, named as in the reference
  bool has_shortcut = false;
};
TORCH_MODULE(CondResidualBlock);

}  // namespace ncsn
