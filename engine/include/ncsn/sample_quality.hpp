#pragma once
// Sample-quality figures: FD-cls (a Fréchet distance in the feature space of a classifier trained
// on the dataset), the class histogram of the samples (mode coverage), nearest-neighbour distances
// to the training set (memorisation) and the held-out DSM loss.
#include <vector>

#include <torch/types.h>

#include "ncsn/feature_classifier.hpp"
#include "ncsn/image_dataset.hpp"
#include "ncsn/score_function.hpp"

namespace ncsn {

struct FeatureStats {
  torch::Tensor mean;        // double [D]
  torch::Tensor covariance;  // double [D, D], unbiased
  int64_t count = 0;
};

// features: [N, D] with N >= 2.
FeatureStats feature_stats(const torch::Tensor& features);

// ||mu_a - mu_b||^2 + tr(C_a) + tr(C_b) - 2 tr((C_a C_b)^(1/2)), the formula of FID.
double frechet_distance(const FeatureStats& a, const FeatureStats& b);

struct SampleQuality {
  double fd_cls = 0;                  // samples vs the test set
  std::vector<int64_t> class_counts;  // the classifier's predicted class of each sample
  int64_t classes_covered = 0;        // classes predicted for at least one sample
  double class_total_variation = 0;   // between the samples' and the test set's class frequencies
  double nn_distance_mean = 0, nn_distance_median = 0, nn_distance_min = 0;  // to the training set
};

// samples: float [N, C, H, W] in [0, 1], N >= 2. `test_stats`: feature_stats of the test set.
SampleQuality evaluate_sample_quality(const torch::Tensor& samples, FeatureClassifier& classifier,
                                      const FeatureStats& test_stats, const ImageDataset& test, const ImageDataset& train);

// Mean DSM loss (lambda = sigma^anneal_power) on the first `images` test images, dequantised as in
// training, with levels and noise drawn from `seed`: comparable across models with the same sigmas.
double heldout_dsm_loss(const ScoreFunction& score, const ImageDataset& test, const torch::Tensor& sigmas, int64_t images,
                        uint64_t seed = 0, double anneal_power = 2.0);

}  // namespace ncsn
