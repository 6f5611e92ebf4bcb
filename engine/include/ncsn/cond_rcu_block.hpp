#pragma once
// RefineNet residual conv unit: n_blocks residual blocks of n_stages (norm -> ELU -> conv).
#include <vector>

#include <torch/torch.h>

#include "ncsn/cond_instance_norm_pp.hpp"
#include "ncsn/conv2d.hpp"

namespace ncsn {

struct CondRcuBlockImpl : torch::nn::Module {
  CondRcuBlockImpl(int64_t features, int64_t n_blocks, int64_t n_stages, int64_t num_classes);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& labels);

  int64_t n_blocks, n_stages;
  std::vector<CondInstanceNormPP> norms;  // registered as "<block>_<stage>_norm" (1-based), as in the reference
  std::vector<Conv2d> convs;   // registered as "<block>_<stage>_conv"
};
TORCH_MODULE(CondRcuBlock);

}  // namespace ncsn
