#include "ncsn/cond_instance_norm_pp.hpp"

#include "ncsn/cond_instance_norm_pp_cpu.hpp"

namespace ncsn {

namespace {
constexpr double kEps = 1e-5;  // the reference's, inside both square roots
}

CondInstanceNormPPImpl::CondInstanceNormPPImpl(int64_t features, int64_t num_classes) : num_features(features) {
  embed = register_module("embed", torch::nn::Embedding(num_classes, 3 * features));
  torch::NoGradGuard no_grad;
  embed->weight.narrow(1, 0, 2 * features).normal_(1.0, 0.02);  // gamma, alpha ~ N(1, 0.02)
  embed->weight.narrow(1, 2 * features, features).zero_();      // beta = 0
}

torch::Tensor CondInstanceNormPPImpl::forward_elu(const torch::Tensor& input, const torch::Tensor& labels) {
  if (cond_instance_norm_pp_cpu_applies(input, embed->weight))
    return cond_instance_norm_pp_cpu(input, labels, embed->weight, kEps, /*then_elu=*/true);
  return torch::elu(forward(input, labels));
}

torch::Tensor CondInstanceNormPPImpl::forward(const torch::Tensor& input, const torch::Tensor& labels) {
  if (cond_instance_norm_pp_cpu_applies(input, embed->weight)) return cond_instance_norm_pp_cpu(input, labels, embed->weight, kEps);
  // Statistics in float32 under mixed precision, as autocast does for its norms: squares of
  // activations overflow float16, and bfloat16's 8-bit mantissa blurs small variances.
  const auto x = input.to(torch::kFloat);
  // Per-channel statistics in two passes (mean, then the mean square of the centred values):
  // numerically as stable as var_mean, and several times faster on CPU, where var_mean's Welford
  // reduction costs more than the convolutions of a small network (docs/benchmarks.md).
  auto mu = x.mean({2, 3}, /*keepdim=*/true);  // [N, C, 1, 1]
  auto centred = x - mu;
  auto var = centred.square().mean({2, 3}, /*keepdim=*/true);  // biased, as InstanceNorm2d uses
  auto means = mu.flatten(1);                                  // [N, C]
  // The channel means' spread: unbiased variance across channels, as torch.var computes it.
  auto m = means.mean(-1, /*keepdim=*/true);
  auto v = means.var(-1, /*unbiased=*/true, /*keepdim=*/true);
  auto means_hat = ((means - m) / (v + kEps).sqrt()).view_as(mu);

  auto coeffs = embed->forward(labels).view({-1, 3, num_features, 1, 1});
  auto gamma = coeffs.select(1, 0), alpha = coeffs.select(1, 1), beta = coeffs.select(1, 2);
  // gamma * (centred / sd + alpha * means_hat) + beta as one scale and shift of `centred`.
  auto scale = gamma * (var + kEps).rsqrt();
  auto shift = beta + gamma * alpha * means_hat;
  return torch::addcmul(shift, centred, scale).to(input.scalar_type());
}

}  // namespace ncsn
