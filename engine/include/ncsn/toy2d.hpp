#pragma once
// The paper's toy 2-D experiments (Figs. 2 and 3): a two-mode Gaussian mixture, its exact
// scores, exact/Langevin/annealed-Langevin sampling, and a score MLP trained with sliced
// score matching. Toy runs use the paper's step convention x + (eps/2) s + sqrt(eps) z.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

namespace ncsn {

// 1/5 N((-5,-5), I) + 4/5 N((5,5), I).
class GaussianMixture2D {
 public:
  GaussianMixture2D();
  torch::Tensor sample(int64_t n, torch::Generator* gen = nullptr) const;  // [n, 2]
  // log density of the mixture whose components have standard deviation `sigma`
  // (sigma = 1 is the data itself; the annealed runs use sigma_i, as the reference code does).
  torch::Tensor log_prob(const torch::Tensor& x, double sigma = 1.0) const;  // [n]
  torch::Tensor score(const torch::Tensor& x, double sigma = 1.0) const;     // [n, 2], closed form
  // Fraction of points nearer the (5,5) mode than the (-5,-5) mode.
  static double weight_of_upper_mode(const torch::Tensor& x);

  torch::Tensor weights;  // [2]: 0.2 for (-5,-5), 0.8 for (5,5)
  torch::Tensor means;    // [2, 2]
};

// 2 -> 128 -> 128 -> 2 with softplus, predicting the score directly.
struct ToyScoreMlpImpl : torch::nn::Module {
  explicit ToyScoreMlpImpl(int64_t hidden = 128);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
};
TORCH_MODULE(ToyScoreMlp);

using ToyScore = std::function<torch::Tensor(const torch::Tensor& x)>;
using ToyScoreAtSigma = std::function<torch::Tensor(const torch::Tensor& x, double sigma)>;

// Plain Langevin: T steps of x + (eps/2) s(x) + sqrt(eps) z.
torch::Tensor toy_langevin(const ToyScore& score, torch::Tensor x, double eps, int64_t steps);
// Annealed: for each sigma_i, T steps with alpha_i = eps * sigma_i^2 / sigma_L^2.
torch::Tensor toy_annealed_langevin(const ToyScoreAtSigma& score, torch::Tensor x, const std::vector<double>& sigmas,
                                    double eps, int64_t steps_per_level);

struct ToyTrainOptions {
  int64_t iterations = 10000;
  int64_t batch_size = 128;
  double lr = 1e-3;
  uint64_t seed = 0;
};
// Trains `model` with variance-reduced sliced score matching on mixture samples.
// `on_step(step, loss)` may return false to stop early. Returns the last loss.
double train_toy_score_mlp(ToyScoreMlp& model, const GaussianMixture2D& data, const ToyTrainOptions& options,
                           const std::function<bool(int64_t, double)>& on_step = {});

// The paper's three samplers with its settings (1280 samples from U[-8,8]^2, Langevin T=1000
// eps=0.1, annealed L=10 sigma 20->1 T=100 eps=0.1) and each one's weight on the (5,5) mode.
struct ToyComparison {
  torch::Tensor exact, langevin, annealed;  // [1280, 2] each
  double exact_weight = 0, langevin_weight = 0, annealed_weight = 0;
};
ToyComparison run_toy_comparison(uint64_t seed, int64_t n_samples = 1280);

}  // namespace ncsn
