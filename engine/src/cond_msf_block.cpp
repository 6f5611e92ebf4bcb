#include "ncsn/cond_msf_block.hpp"

namespace ncsn {

CondMsfBlockImpl::CondMsfBlockImpl(const std::vector<int64_t>& in_planes, int64_t features, int64_t num_classes) {
  auto convs = register_module("convs", torch::nn::ModuleList());
  auto norms = register_module("norms", torch::nn::ModuleList());
  for (int64_t planes : in_planes) {
    conv_list.emplace_back(planes, features, 3, /*padding=*/1);
    norm_list.emplace_back(planes, num_classes);
    convs->push_back(conv_list.back());
    norms->push_back(norm_list.back());
  }
}

torch::Tensor CondMsfBlockImpl::forward(const std::vector<torch::Tensor>& xs, const torch::Tensor& labels,
                                        const std::vector<int64_t>& output_size) {
  torch::Tensor sum;
  for (size_t i = 0; i < conv_list.size(); ++i) {
    auto h = conv_list[i]->forward(norm_list[i]->forward(xs[i], labels));
    // align_corners=True maps equal sizes onto themselves, so resizing those is skipped.
    if (h.size(2) != output_size[0] || h.size(3) != output_size[1])
      h = torch::upsample_bilinear2d(h, output_size, /*align_corners=*/true);
    sum = sum.defined() ? sum + h : h;
  }
  return sum;
}

}  // namespace ncsn
