#include "ncsn/cond_crp_block.hpp"

namespace ncsn {

CondCrpBlockImpl::CondCrpBlockImpl(int64_t features, int64_t n_stages, int64_t num_classes) {
  auto norms = register_module("norms", torch::nn::ModuleList());
  auto convs = register_module("convs", torch::nn::ModuleList());
  for (int64_t i = 0; i < n_stages; ++i) {
    norm_list.emplace_back(features, num_classes);
    conv_list.emplace_back(features, features, 3, /*padding=*/1, /*dilation=*/1, /*bias=*/false);
    norms->push_back(norm_list.back());
    convs->push_back(conv_list.back());
  }
}

torch::Tensor CondCrpBlockImpl::forward(torch::Tensor x, const torch::Tensor& labels) {
  x = torch::elu(x);
  auto path = x;
  for (size_t i = 0; i < conv_list.size(); ++i) {
    // Zero padding counted in the mean, as nn.AvgPool2d does by default.
    path = torch::avg_pool2d(norm_list[i]->forward(path, labels), {5, 5}, {1, 1}, {2, 2});
    path = conv_list[i]->forward(path);
    x = path + x;
  }
  return x;
}

}  // namespace ncsn
