#include "ncsn/cond_rcu_block.hpp"

#include <string>

namespace ncsn {

CondRcuBlockImpl::CondRcuBlockImpl(int64_t features, int64_t blocks, int64_t stages, int64_t num_classes)
    : n_blocks(blocks), n_stages(stages) {
  for (int64_t i = 1; i <= blocks; ++i) {
    for (int64_t j = 1; j <= stages; ++j) {
      const std::string prefix = std::to_string(i) + "_" + std::to_string(j) + "_";
      norms.push_back(register_module(prefix + "norm", CondInstanceNormPP(features, num_classes)));
      convs.push_back(register_module(
          prefix + "conv", Conv2d(features, features, 3, /*padding=*/1, /*dilation=*/1, /*bias=*/false)));
    }
  }
}

torch::Tensor CondRcuBlockImpl::forward(torch::Tensor x, const torch::Tensor& labels) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    auto residual = x;
    for (int64_t j = 0; j < n_stages; ++j) {
      const auto k = static_cast<size_t>(i * n_stages + j);
      x = convs[k]->forward(norms[k]->forward_elu(x, labels));
    }
    x = x + residual;
  }
  return x;
}

}  // namespace ncsn
