#pragma once
// One RefineNet cascade stage: adapt each input (RCU), fuse (MSF), pool (CRP), output RCU.
#include <vector>

#include <torch/torch.h>

#include "ncsn/cond_crp_block.hpp"
#include "ncsn/cond_msf_block.hpp"
#include "ncsn/cond_rcu_block.hpp"

namespace ncsn {

struct CondRefineBlockImpl : torch::nn::Module {
  // `end` gives the last stage three output RCU blocks instead of one.
  CondRefineBlockImpl(const std::vector<int64_t>& in_planes, int64_t features, int64_t num_classes, bool end = false);
  torch::Tensor forward(const std::vector<torch::Tensor>& xs, const torch::Tensor& labels,
                        const std::vector<int64_t>& output_size);

  std::vector<CondRcuBlock> adapt_list;
  CondMsfBlock msf{nullptr};  // only when there is more than one input
  CondCrpBlock crp{nullptr};
  CondRcuBlock output_convs{nullptr};
};
TORCH_MODULE(CondRefineBlock);

}  // namespace ncsn
