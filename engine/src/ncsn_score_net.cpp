#include "ncsn/ncsn_score_net.hpp"

#include <sstream>
#include <stdexcept>
#include <string>

#include "ncsn/errors.hpp"

namespace ncsn {
namespace {

// Shape checks only (no device sync): a wrong image otherwise fails deep inside a conv.
void check_input(const ModelConfig& c, const torch::Tensor& x, const torch::Tensor& labels) {
  std::ostringstream msg;
  if (x.dim() != 4) {
    msg << "the score network expects images of shape [N, C, H, W], not " << x.sizes();
  } else if (x.size(1) != c.channels) {
    msg << "the model takes " << c.channels << "-channel images, not " << x.size(1) << "-channel ones";
  } else if (x.size(2) != c.image_size || x.size(3) != c.image_size) {
    msg << "the model takes " << c.image_size << "x" << c.image_size << " images, not " << x.size(3) << "x" << x.size(2);
  } else if (labels.dim() != 1 || labels.size(0) != x.size(0)) {
    msg << "the score network needs one noise-level index per image (" << x.size(0) << "), not labels of shape "
        << labels.sizes();
  } else {
    return;
  }
  throw ConfigError(msg.str());
}

// Registers the blocks as a ModuleList so parameter names match the reference ("res1.0....").
std::vector<CondResidualBlock> residual_stage(torch::nn::Module& parent, const std::string& name,
                                              const std::vector<CondResidualBlockOptions>& blocks) {
  auto list = parent.register_module(name, torch::nn::ModuleList());
  std::vector<CondResidualBlock> stage;
  for (const auto& options : blocks) {
    stage.emplace_back(options);
    list->push_back(stage.back());
  }
  return stage;
}

torch::Tensor run_stage(const std::vector<CondResidualBlock>& stage, torch::Tensor x, const torch::Tensor& labels) {
  for (auto block : stage) x = block->forward(x, labels);
  return x;
}

std::vector<int64_t> spatial_size(const torch::Tensor& t) { return {t.size(2), t.size(3)}; }

}  // namespace

NcsnScoreNetImpl::NcsnScoreNetImpl(const ModelConfig& c) : config(c) {
  config.validate();
  const int64_t ngf = c.ngf, L = c.num_classes;
  begin_conv = register_module("begin_conv", Conv2d(c.channels, ngf, 3, /*padding=*/1));
  normalizer = register_module("normalizer", CondInstanceNormPP(ngf, L));
  end_conv = register_module("end_conv", Conv2d(ngf, c.channels, 3, /*padding=*/1));

  res1 = residual_stage(*this, "res1", {{ngf, ngf, L}, {ngf, ngf, L}});
  res2 = residual_stage(*this, "res2", {{ngf, 2 * ngf, L, true}, {2 * ngf, 2 * ngf, L}});
  // Dilation instead of further subsampling keeps the 14x14 (16x16) resolution.
  res3 = residual_stage(*this, "res3", {{2 * ngf, 2 * ngf, L, true, 2}, {2 * ngf, 2 * ngf, L, false, 2}});
  res4 = residual_stage(*this, "res4", {{2 * ngf, 2 * ngf, L, true, 4}, {2 * ngf, 2 * ngf, L, false, 4}});

  refine1 = register_module("refine1", CondRefineBlock(std::vector<int64_t>{2 * ngf}, 2 * ngf, L));
  refine2 = register_module("refine2", CondRefineBlock(std::vector<int64_t>{2 * ngf, 2 * ngf}, 2 * ngf, L));
  refine3 = register_module("refine3", CondRefineBlock(std::vector<int64_t>{2 * ngf, 2 * ngf}, ngf, L));
  refine4 = register_module("refine4", CondRefineBlock(std::vector<int64_t>{ngf, ngf}, ngf, L, /*end=*/true));
}

torch::Tensor NcsnScoreNetImpl::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  check_input(config, x, labels);
  auto h = begin_conv->forward(2 * x - 1);  // the reference's x -> 2x - 1 (no logit transform)
  auto layer1 = run_stage(res1, h, labels);
  auto layer2 = run_stage(res2, layer1, labels);
  auto layer3 = run_stage(res3, layer2, labels);
  auto layer4 = run_stage(res4, layer3, labels);

  auto ref1 = refine1->forward({layer4}, labels, spatial_size(layer4));
  auto ref2 = refine2->forward({layer3, ref1}, labels, spatial_size(layer3));
  auto ref3 = refine3->forward({layer2, ref2}, labels, spatial_size(layer2));
  auto out = refine4->forward({layer1, ref3}, labels, spatial_size(layer1));
  return end_conv->forward(normalizer->forward_elu(out, labels));
}

void use_channels_last_weights(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

void copy_parameters(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  const auto src = from.parameters();
  auto dst = to.parameters();
  if (src.size() != dst.size()) throw std::invalid_argument("copy_parameters: the modules differ in their parameters");
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}

ScoreFunction score_function(NcsnScoreNet net, MixedPrecision precision, torch::Device device) {
  return [net, precision, device](const torch::Tensor& x, const torch::Tensor& labels) mutable {
    AutocastGuard autocast(precision, device);
    return net->forward(x, labels).to(torch::kFloat);
  };
}

}  // namespace ncsn
