#include "ncsn/sliced_score_matching.hpp"

#include <string>
#include <vector>

#include <torch/torch.h>

#include "ncsn/errors.hpp"

namespace ncsn {
namespace {

using ScoreFn = std::function<torch::Tensor(const torch::Tensor&)>;

// n_particles copies of the batch, particle-major, as a fresh leaf we can differentiate against.
// Detached: the objective is differentiated w.r.t. the network, never w.r.t. the data.
torch::Tensor replicate(const torch::Tensor& samples, int64_t n_particles) {
  if (!samples.defined() || samples.dim() < 2 || samples.size(0) == 0)
    throw ConfigError("sliced score matching expects a non-empty batch of shape [N, D...]");
  if (n_particles < 1)
    throw ConfigError("sliced score matching needs at least one projection per sample (got n_particles=" +
                      std::to_string(n_particles) + ")");
  std::vector<int64_t> repeats(samples.dim(), 1);
  repeats[0] = n_particles;
  return samples.detach().repeat(repeats).requires_grad_(true);
}

torch::Tensor evaluate_score(const ScoreFn& score, const torch::Tensor& x) {
  auto s = score(x);
  if (!s.defined() || s.sizes() != x.sizes())
    throw ConfigError("the score network must return a tensor shaped like its input " + c10::str(x.sizes()) +
                      ", got " + (s.defined() ? c10::str(s.sizes()) : std::string("(undefined)")));
  return s;
}

// Per-example inner product over all non-batch dimensions.
torch::Tensor batch_dot(const torch::Tensor& a, const torch::Tensor& b) { return (a * b).flatten(1).sum(1); }

// v^T (ds/dx) v per example, as the gradient of sum(s . v) w.r.t. x. create_graph keeps it
// differentiable w.r.t. the network's parameters.
torch::Tensor jacobian_projection(const torch::Tensor& s, const torch::Tensor& x, const torch::Tensor& v) {
  const auto sv = (s * v).sum();
  if (!sv.requires_grad()) return torch::zeros({x.size(0)}, x.options());  // s does not depend on x
  auto grad = torch::autograd::grad({sv}, {x}, /*grad_outputs=*/{}, /*retain_graph=*/true,
                                    /*create_graph=*/true, /*allow_unused=*/true)[0];
  if (!grad.defined()) return torch::zeros({x.size(0)}, x.options());
  return batch_dot(v, grad);
}

}  // namespace

torch::Tensor sliced_score_matching_vr(const ScoreFn& score, const torch::Tensor& samples, int64_t n_particles) {
  torch::AutoGradMode grad_enabled(true);  // the objective is a gradient, even inside no-grad callers
  const auto x = replicate(samples, n_particles);
  const auto s = evaluate_score(score, x);
  const auto v = torch::randn_like(x);
  // E_v[(v^T s)^2] = ||s||^2 for Gaussian v, so that term is computed exactly (the variance reduction).
  const auto loss = 0.5 * batch_dot(s, s) + jacobian_projection(s, x, v);
  // Every sample has the same number of particles, so one mean is the mean over both.
  return loss.mean();
}

torch::Tensor sliced_score_matching(const ScoreFn& score, const torch::Tensor& samples, int64_t n_particles) {
  torch::AutoGradMode grad_enabled(true);
  const auto x = replicate(samples, n_particles);
  const auto s = evaluate_score(score, x);
  auto v = torch::randn_like(x);
  std::vector<int64_t> per_example(v.dim(), 1);
  per_example[0] = v.size(0);
  v = v / v.flatten(1).norm(2, /*dim=*/1).view(per_example);  // uniform on the unit sphere
  const auto vs = batch_dot(v, s);
  const auto loss = 0.5 * vs * vs + jacobian_projection(s, x, v);
  return loss.mean();
}

}  // namespace ncsn
