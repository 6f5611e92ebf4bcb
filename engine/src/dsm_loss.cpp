#include "ncsn/dsm_loss.hpp"

#include <limits>

#include <torch/torch.h>

namespace ncsn {

torch::Tensor dsm_loss_per_example(const ScoreFunction& score, const torch::Tensor& x, const torch::Tensor& labels,
                                   const torch::Tensor& sigmas, double anneal_power) {
  return dsm_loss_per_example(score, x, labels, torch::randn_like(x), sigmas, anneal_power);
}

torch::Tensor dsm_loss_per_example(const ScoreFunction& score, const torch::Tensor& x, const torch::Tensor& labels,
                                   const torch::Tensor& z, const torch::Tensor& sigmas, double anneal_power) {
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  auto used_sigmas = sigmas.index_select(0, labels).view(shape);
  auto noise = z * used_sigmas;
  auto perturbed = x + noise;
  // The score of the perturbation kernel N(x, sigma^2 I) at x~ is -(x~ - x)/sigma^2.
  auto target = -noise / used_sigmas.square();
  auto diff = (score(perturbed, labels) - target).flatten(1);
  return 0.5 * diff.square().sum(1) * used_sigmas.flatten().pow(anneal_power);
}

torch::Tensor dsm_loss(const ScoreFunction& score, const torch::Tensor& x, const torch::Tensor& sigmas,
                       double anneal_power) {
  auto labels = torch::randint(sigmas.size(0), {x.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  return dsm_loss_per_example(score, x, labels, sigmas, anneal_power).mean();
}

torch::Tensor per_level_totals(const torch::Tensor& per_example, const torch::Tensor& labels, int64_t levels) {
  auto loss = per_example.detach().to(torch::kCPU, torch::kDouble);
  auto idx = labels.to(torch::kCPU);
  auto sums = torch::zeros({levels}, torch::kDouble).index_add_(0, idx, loss);
  auto counts = torch::zeros({levels}, torch::kDouble).index_add_(0, idx, torch::ones_like(loss));
  return torch::stack({sums, counts});
}

torch::Tensor level_means(const torch::Tensor& totals) {
  const auto sums = totals[0], counts = totals[1];
  return torch::where(counts > 0, sums / counts, torch::full_like(sums, std::numeric_limits<double>::quiet_NaN()));
}

torch::Tensor per_level_mean(const torch::Tensor& per_example, const torch::Tensor& labels, int64_t levels) {
  return level_means(per_level_totals(per_example, labels, levels));
}

torch::Tensor uniform_dequantize(const torch::Tensor& x) { return x * (255.0 / 256.0) + torch::rand_like(x) / 256.0; }

}  // namespace ncsn
