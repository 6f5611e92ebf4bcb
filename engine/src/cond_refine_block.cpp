#include "ncsn/cond_refine_block.hpp"

namespace ncsn {

CondRefineBlockImpl::CondRefineBlockImpl(const std::vector<int64_t>& in_planes, int64_t features, int64_t num_classes,
                                         bool end) {
  auto adapt_convs = register_module("adapt_convs", torch::nn::ModuleList());
  for (int64_t planes : in_planes) {
    adapt_list.emplace_back(planes, 2, 2, num_classes);
    adapt_convs->push_back(adapt_list.back());
  }
  output_convs = register_module("output_convs", CondRcuBlock(features, end ? 3 : 1, 2, num_classes));
  if (in_planes.size() > 1) msf = register_module("msf", CondMsfBlock(in_planes, features, num_classes));
  crp = register_module("crp", CondCrpBlock(features, 2, num_classes));
}

torch::Tensor CondRefineBlockImpl::forward(const std::vector<torch::Tensor>& xs, const torch::Tensor& labels,
                                           const std::vector<int64_t>& output_size) {
  std::vector<torch::Tensor> hs;
  hs.reserve(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) hs.push_back(adapt_list[i]->forward(xs[i], labels));
  auto h = msf ? msf->forward(hs, labels, output_size) : hs[0];
  return output_convs->forward(crp->forward(h, labels), labels);
}

}  // namespace ncsn
