#pragma once
// RefineNet chained residual pooling: ELU, then n_stages of (norm -> 5x5 mean pool -> conv) summed in.
#include <vector>

#include <torch/torch.h>

#include "ncsn/cond_instance_norm_pp.hpp"
#include "ncsn/conv2d.hpp"

namespace ncsn {

struct CondCrpBlockImpl : torch::nn::Module {
  CondCrpBlockImpl(int64_t features, int64_t n_stages, int64_t num_classes);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& labels);

  std::vector<CondInstanceNormPP> norm_list;
  std::vector<Conv2d> conv_list;
};
TORCH_MODULE(CondCrpBlock);

}  // namespace ncsn
