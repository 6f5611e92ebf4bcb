#include "ncsn/sample_quality.hpp"

#include <torch/torch.h>

#include "ncsn/dsm_loss.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/nearest_neighbours.hpp"

namespace ncsn {
namespace {

constexpr int64_t kBatch = 500;

// The symmetric PSD square root, through the eigen-decomposition (clamping round-off negatives).
torch::Tensor psd_sqrt(const torch::Tensor& m) {
  // ATen's own op: Debian's LibTorch 2.x packages lack the torch/linalg.h wrapper.
  const auto [values, vectors] = at::linalg_eigh(m, "L");
  return vectors.mm(torch::diag(values.clamp_min(0).sqrt())).mm(vectors.t());
}

std::vector<double> class_frequencies(const torch::Tensor& labels, int64_t classes) {
  const auto counts = torch::bincount(labels.clamp(0, classes - 1), {}, classes).to(torch::kDouble);
  const auto freq = counts / std::max<int64_t>(labels.numel(), 1);
  return std::vector<double>(freq.data_ptr<double>(), freq.data_ptr<double>() + classes);
}

}  // namespace

FeatureStats feature_stats(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2) throw ConfigError("feature statistics need at least two feature vectors");
  const auto f = features.detach().to(torch::kCPU, torch::kDouble);
  const auto mean = f.mean(0);
  const auto centred = f - mean;
  return {mean, centred.t().mm(centred) / static_cast<double>(f.size(0) - 1), f.size(0)};
}

double frechet_distance(const FeatureStats& a, const FeatureStats& b) {
  if (a.mean.numel() != b.mean.numel()) throw ConfigError("the two feature sets differ in dimension");
  // tr((C_a C_b)^(1/2)) = tr((S C_b S)^(1/2)) with S = C_a^(1/2): a symmetric PSD matrix, unlike C_a C_b.
  const auto s = psd_sqrt(a.covariance);
  const auto cross = psd_sqrt(s.mm(b.covariance).mm(s)).trace();
  const auto d = (a.mean - b.mean).pow(2).sum() + a.covariance.trace() + b.covariance.trace() - 2 * cross;
  return std::max(0.0, d.item<double>());
}

SampleQuality evaluate_sample_quality(const torch::Tensor& samples, FeatureClassifier& classifier,
                                      const FeatureStats& test_stats, const ImageDataset& test, const ImageDataset& train) {
  torch::NoGradGuard no_grad;
  const auto x = samples.detach().to(torch::kCPU, torch::kFloat).clamp(0, 1);
  const auto features = classifier_features(classifier, x);
  SampleQuality q;
  q.fd_cls = frechet_distance(feature_stats(features), test_stats);

  const int64_t classes = classifier->config.num_classes;
  const auto predicted = predicted_classes(classifier, features);
  const auto counts = torch::bincount(predicted, {}, classes);
  q.class_counts.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + classes);
  q.classes_covered = counts.gt(0).sum().item<int64_t>();
  const auto mine = class_frequencies(predicted, classes), theirs = class_frequencies(test.labels, classes);
  for (int64_t c = 0; c < classes; ++c) q.class_total_variation += 0.5 * std::abs(mine[c] - theirs[c]);

  const auto nearest = nearest_training_images(x, train).distances;
  q.nn_distance_mean = nearest.mean().item<double>();
  q.nn_distance_median = nearest.median().item<double>();
  q.nn_distance_min = nearest.min().item<double>();
  return q;
}

double heldout_dsm_loss(const ScoreFunction& score, const ImageDataset& test, const torch::Tensor& sigmas, int64_t images,
                        uint64_t seed, double anneal_power) {
  torch::NoGradGuard no_grad;
  const int64_t n = std::min(images, test.size());
  if (n < 1) throw ConfigError("the held-out loss needs at least one test image");
  torch::manual_seed(seed);
  double total = 0;
  for (int64_t start = 0; start < n; start += kBatch) {
    const auto x = uniform_dequantize(test.batch(torch::arange(start, std::min(start + kBatch, n)), sigmas.device()));
    const auto labels = torch::randint(sigmas.size(0), {x.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(sigmas.device()));
    total += dsm_loss_per_example(score, x, labels, sigmas, anneal_power).sum().item<double>();
  }
  return total / static_cast<double>(n);
}

}  // namespace ncsn
