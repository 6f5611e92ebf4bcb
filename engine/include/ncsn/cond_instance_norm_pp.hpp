#pragma once
// Conditional instance normalisation++ (paper appendix A.1): instance norm that keeps the
// relative means of the channels, with one gamma/alpha/beta per noise level.
#include <torch/torch.h>

namespace ncsn {

struct CondInstanceNormPPImpl : torch::nn::Module {
  CondInstanceNormPPImpl(int64_t num_features, int64_t num_classes);
  // x: [N, C, H, W]; labels: int64 [N], the noise-level index of each example.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& labels);
  // elu(forward(x, labels)), the order the residual and RCU blocks and the network's output use:
  // in CPU inference one pass of the kernel instead of a second pass for the ELU.
  torch::Tensor forward_elu(const torch::Tensor& x, const torch::Tensor& labels);

  int64_t num_features;
  torch::nn::Embedding embed{nullptr};  // [L, 3C]: gamma | alpha | beta, as the reference lays them out
};
TORCH_MODULE(CondInstanceNormPP);

}  // namespace ncsn
