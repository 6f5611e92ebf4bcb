#pragma once
// The gradients that backward() filled in, in parameter order (engine-private).
#include <vector>

#include <torch/types.h>

namespace ncsn::detail {

inline std::vector<torch::Tensor> defined_gradients(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  return grads;
}

}  // namespace ncsn::detail
