#include "ncsn/toy2d.hpp"

#include <cmath>
#include <string>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "ncsn/errors.hpp"
#include "ncsn/noise_schedule.hpp"
#include "ncsn/sliced_score_matching.hpp"

namespace ncsn {
namespace {

using OptGenerator = c10::optional<torch::Generator>;

OptGenerator optional_generator(torch::Generator* gen) { return gen ? OptGenerator(*gen) : OptGenerator(); }

void check_points(const torch::Tensor& x, const char* what) {
  if (!x.defined() || x.dim() != 2 || x.size(1) != 2)
    throw ConfigError(std::string(what) + " expects 2-D points of shape [n, 2], got a tensor of shape " +
                      (x.defined() ? c10::str(x.sizes()) : std::string("(undefined)")));
}

void check_sigma(double sigma) {
  if (!(sigma > 0) || !std::isfinite(sigma))
    throw ConfigError("the mixture's noise level sigma must be positive and finite (got " + std::to_string(sigma) + ")");
}

// log w_k - ||x - mu_k||^2 / (2 sigma^2): the per-component terms shared by log_prob and score. [n, K]
torch::Tensor component_logits(const torch::Tensor& x, const torch::Tensor& weights, const torch::Tensor& means,
                               double sigma) {
  const auto sq = (x.unsqueeze(1) - means.to(x.dtype()).unsqueeze(0)).pow(2).sum(-1);
  return weights.to(x.dtype()).log().unsqueeze(0) - sq / (2.0 * sigma * sigma);
}

void check_langevin(double eps, int64_t steps) {
  if (!(eps > 0) || !std::isfinite(eps))
    throw ConfigError("the Langevin step size eps must be positive (got " + std::to_string(eps) + ")");
  if (steps < 0) throw ConfigError("the number of Langevin steps cannot be negative (got " + std::to_string(steps) + ")");
}

// One step of the paper's convention: x + (a/2) s + sqrt(a) z. The score is detached so that a
// network's graph is not chained through thousands of steps.
torch::Tensor langevin_step(const torch::Tensor& x, const torch::Tensor& s, double a, const OptGenerator& gen) {
  return x + (a / 2.0) * s.detach() + std::sqrt(a) * torch::randn(x.sizes(), gen, x.options());
}

torch::Tensor langevin(const ToyScore& score, torch::Tensor x, double eps, int64_t steps, const OptGenerator& gen) {
  check_langevin(eps, steps);
  for (int64_t t = 0; t < steps; ++t) x = langevin_step(x, score(x), eps, gen);
  return x;
}

torch::Tensor annealed_langevin(const ToyScoreAtSigma& score, torch::Tensor x, const std::vector<double>& sigmas,
                                double eps, int64_t steps_per_level, const OptGenerator& gen) {
  check_langevin(eps, steps_per_level);
  if (sigmas.empty()) throw ConfigError("annealed Langevin needs at least one noise level");
  for (double sigma : sigmas) check_sigma(sigma);
  const double sigma_last = sigmas.back();
  for (double sigma : sigmas) {
    // Step sizes scale with sigma_i^2 so the signal-to-noise ratio stays fixed across levels.
    const double alpha = eps * (sigma * sigma) / (sigma_last * sigma_last);
    for (int64_t t = 0; t < steps_per_level; ++t) x = langevin_step(x, score(x, sigma), alpha, gen);
  }
  return x;
}

}  // namespace

GaussianMixture2D::GaussianMixture2D()
    : weights(torch::tensor({0.2, 0.8}, torch::kDouble)),
      means(torch::tensor({-5.0, -5.0, 5.0, 5.0}, torch::kDouble).view({2, 2})) {}

torch::Tensor GaussianMixture2D::sample(int64_t n, torch::Generator* gen) const {
  if (n < 1) throw ConfigError("the mixture needs a positive sample count (got " + std::to_string(n) + ")");
  const auto g = optional_generator(gen);
  const auto component = torch::multinomial(weights, n, /*replacement=*/true, g);
  // Parameters are stored exactly (float64); samples are float32 to feed the MLP directly.
  return means.index_select(0, component).to(torch::kFloat) + torch::randn({n, 2}, g, torch::kFloat);
}

torch::Tensor GaussianMixture2D::log_prob(const torch::Tensor& x, double sigma) const {
  check_points(x, "GaussianMixture2D::log_prob");
  check_sigma(sigma);
  // Each component's 2-D normalizer is 1 / (2 pi sigma^2).
  const double log_norm = std::log(2.0 * M_PI * sigma * sigma);
  return torch::logsumexp(component_logits(x, weights, means, sigma), /*dim=*/1) - log_norm;
}

torch::Tensor GaussianMixture2D::score(const torch::Tensor& x, double sigma) const {
  check_points(x, "GaussianMixture2D::score");
  check_sigma(sigma);
  // grad log p = sum_k r_k(x) (mu_k - x) / sigma^2; softmax keeps the responsibilities r_k finite
  // far from both modes, where the component densities themselves underflow.
  const auto resp = torch::softmax(component_logits(x, weights, means, sigma), /*dim=*/1);
  return (resp.matmul(means.to(x.dtype())) - x) / (sigma * sigma);
}

double GaussianMixture2D::weight_of_upper_mode(const torch::Tensor& x) {
  check_points(x, "GaussianMixture2D::weight_of_upper_mode");
  if (x.size(0) == 0) throw ConfigError("cannot measure mode weights of an empty sample set");
  // (5,5) and (-5,-5) are mirror images through the origin, so "nearer (5,5)" is x1 + x2 > 0.
  return (x.sum(1) > 0).to(torch::kDouble).mean().item<double>();
}

ToyScoreMlpImpl::ToyScoreMlpImpl(int64_t hidden) {
  if (hidden < 1) throw ConfigError("the toy score MLP needs at least one hidden unit (got " + std::to_string(hidden) + ")");
  fc1 = register_module("fc1", torch::nn::Linear(2, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, hidden));
  fc3 = register_module("fc3", torch::nn::Linear(hidden, 2));
}

torch::Tensor ToyScoreMlpImpl::forward(const torch::Tensor& x) {
  return fc3(torch::softplus(fc2(torch::softplus(fc1(x)))));
}

torch::Tensor toy_langevin(const ToyScore& score, torch::Tensor x, double eps, int64_t steps) {
  return langevin(score, std::move(x), eps, steps, OptGenerator());
}

torch::Tensor toy_annealed_langevin(const ToyScoreAtSigma& score, torch::Tensor x, const std::vector<double>& sigmas,
                                    double eps, int64_t steps_per_level) {
  return annealed_langevin(score, std::move(x), sigmas, eps, steps_per_level, OptGenerator());
}

double train_toy_score_mlp(ToyScoreMlp& model, const GaussianMixture2D& data, const ToyTrainOptions& options,
                           const std::function<bool(int64_t, double)>& on_step) {
  if (options.iterations < 1) throw ConfigError("toy training needs at least one iteration");
  if (options.batch_size < 1) throw ConfigError("toy training needs a batch size of at least 1");
  if (!(options.lr > 0)) throw ConfigError("the learning rate must be positive (got " + std::to_string(options.lr) + ")");

  // One global seed covers both the mixture batches and SSM's random projections, which draw
  // from the default generator.
  torch::manual_seed(options.seed);
  torch::AutoGradMode grad_enabled(true);  // SSM differentiates through the network twice
  model->train();
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(options.lr));
  const auto score = [&model](const torch::Tensor& x) { return model->forward(x); };

  double last_loss = 0;
  for (int64_t step = 0; step < options.iterations; ++step) {
    auto loss = sliced_score_matching_vr(score, data.sample(options.batch_size));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    last_loss = loss.item<double>();
    if (!std::isfinite(last_loss))
      throw NonFiniteError("toy score training diverged at step " + std::to_string(step) +
                           " (loss is not finite); lower the learning rate");
    if (on_step && !on_step(step, last_loss)) break;
  }
  return last_loss;
}

ToyComparison run_toy_comparison(uint64_t seed, int64_t n_samples) {
  if (n_samples < 1) throw ConfigError("the toy comparison needs at least one sample per sampler");
  // float32 throughout, like the reference and the MLP: the closed-form score is a softmax over
  // two logits, stable in single precision, and per-step rounding (~1e-7 relative) is negligible
  // next to the sqrt(eps) ~ 0.3 noise injected every step.
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  const OptGenerator g(gen);
  const GaussianMixture2D mixture;
  const auto uniform_start = [&] { return torch::rand({n_samples, 2}, g, torch::kFloat) * 16.0 - 8.0; };

  ToyComparison out;
  out.exact = mixture.sample(n_samples, &gen);
  out.langevin = langevin([&](const torch::Tensor& x) { return mixture.score(x); }, uniform_start(), 0.1, 1000, g);

  const auto levels = geometric_sigmas(20.0, 1.0, 10).to(torch::kDouble);
  const std::vector<double> sigmas(levels.data_ptr<double>(), levels.data_ptr<double>() + levels.numel());
  out.annealed = annealed_langevin([&](const torch::Tensor& x, double sigma) { return mixture.score(x, sigma); },
                                   uniform_start(), sigmas, 0.1, 100, g);

  out.exact_weight = GaussianMixture2D::weight_of_upper_mode(out.exact);
  out.langevin_weight = GaussianMixture2D::weight_of_upper_mode(out.langevin);
  out.annealed_weight = GaussianMixture2D::weight_of_upper_mode(out.annealed);
  return out;
}

}  // namespace ncsn
