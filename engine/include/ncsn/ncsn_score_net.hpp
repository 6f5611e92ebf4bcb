#pragma once
// The NCSN score network s_theta(x, i): the reference's CondRefineNetDilated (paper appendix A).
#include <vector>

#include <torch/torch.h>

#include "ncsn/cond_refine_block.hpp"
#include "ncsn/cond_residual_block.hpp"
#include "ncsn/conv2d.hpp"
#include "ncsn/mixed_precision.hpp"
#include "ncsn/model_config.hpp"
#include "ncsn/score_function.hpp"

namespace ncsn {

struct NcsnScoreNetImpl : torch::nn::Module {
  explicit NcsnScoreNetImpl(const ModelConfig& config);
  // x: float [N, C, H, W] with pixels in [0, 1]; labels: int64 [N] noise-level indices in [0, L).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& labels);

  ModelConfig config;
  Conv2d begin_conv{nullptr}, end_conv{nullptr};
  CondInstanceNormPP normalizer{nullptr};
  std::vector<CondResidualBlock> res1, res2, res3, res4;
  CondRefineBlock refine1{nullptr}, refine2{nullptr}, refine3{nullptr}, refine4{nullptr};
};
TORCH_MODULE(NcsnScoreNet);

int64_t count_parameters(const torch::nn::Module& module);
// Copies the values of `from`'s parameters into `to`'s (same architecture; any devices).
void copy_parameters(const torch::nn::Module& from, torch::nn::Module& to);

// The network as the samplers' and losses' score function. Under mixed precision its forward pass
// runs in autocast for `device` and the score comes back float32, so Langevin updates and losses
// stay float32.
ScoreFunction score_function(NcsnScoreNet net, MixedPrecision precision = MixedPrecision::Off,
                             torch::Device device = torch::kCPU);

// For CPU sampling only: convolution weights in channels-last order make oneDNN run the whole
// network in NHWC, 15-30% faster per Langevin step (docs/benchmarks.md). Training and
// checkpoints keep the default layout, so only inference sessions call this.
void use_channels_last_weights(torch::nn::Module& module);

}  // namespace ncsn
