#pragma once
// The one thing samplers and losses need from a model: s(x, level indices) -> score.
#include <functional>

#include <torch/types.h>

namespace ncsn {

using ScoreFunction = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& labels)>;

}  // namespace ncsn
