#pragma once
// RefineNet multi-resolution fusion: norm -> conv each input, upsample bilinearly, and sum.
#include <vector>

#include <torch/torch.h>

#include "ncsn/cond_instance_norm_pp.hpp"
#include "ncsn/conv2d.hpp"

namespace ncsn {

struct CondMsfBlockImpl : torch::nn::Module {
  CondMsfBlockImpl(const std::vector<int64_t>& in_planes, int64_t features, int64_t num_classes);
  torch::Tensor forward(const std::vector<torch::Tensor>& xs, const torch::Tensor& labels,
                        const std::vector<int64_t>& output_size);

  std::vector<CondInstanceNormPP> norm_list;
  std::vector<Conv2d> conv_list;
};
TORCH_MODULE(CondMsfBlock);

}  // namespace ncsn
