#pragma once
// A small CNN classifier trained on the dataset itself. Its penultimate layer is the feature space
// of FD-cls, the Fréchet distance used instead of FID where no Inception network is available,
// and its predictions give the class histogram of a set of samples (mode coverage).
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "ncsn/image_dataset.hpp"

namespace ncsn {

struct FeatureClassifierConfig {
  int64_t channels = 1, image_size = 28, num_classes = 10;
  int64_t feature_dim = 128;
};
// JSON with the field names as keys, all required.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FeatureClassifierConfig, channels, image_size, num_classes, feature_dim)

// conv3x3(32)-ReLU-maxpool, conv3x3(64)-ReLU-maxpool, linear(feature_dim)-ReLU, linear(classes).
// Inputs are images in [0, 1], [N, C, H, W].
struct FeatureClassifierImpl : torch::nn::Module {
  explicit FeatureClassifierImpl(const FeatureClassifierConfig& config);
  torch::Tensor features(const torch::Tensor& x);  // [N, feature_dim]
  torch::Tensor forward(const torch::Tensor& x);   // logits [N, num_classes]

  FeatureClassifierConfig config;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear hidden{nullptr}, head{nullptr};
};
TORCH_MODULE(FeatureClassifier);

struct ClassifierTraining {
  int64_t iterations = 2000, batch_size = 128;
  double lr = 1e-3;
  uint64_t seed = 0;
};

struct TrainedClassifier {
  FeatureClassifier model{nullptr};
  double test_accuracy = 0;  // on the whole test set
  std::string dataset;
};

// Adam on cross-entropy. ConfigError when the sets have no labels or differ in shape.
TrainedClassifier train_feature_classifier(const ImageDataset& train, const ImageDataset& test, const ClassifierTraining& options,
                                           torch::Device device = torch::kCPU);

// The classifier's features of images in [0, 1] ([N, C, H, W], or a whole dataset), computed in
// batches on the classifier's device and returned on the CPU.
torch::Tensor classifier_features(FeatureClassifier& classifier, const torch::Tensor& images);
torch::Tensor classifier_features(FeatureClassifier& classifier, const ImageDataset& data);

// The predicted class of each row of `features` (from classifier_features), on the CPU.
torch::Tensor predicted_classes(FeatureClassifier& classifier, const torch::Tensor& features);

// Fraction of `data` that `model` labels correctly.
double classifier_accuracy(FeatureClassifier& model, const ImageDataset& data);

// Atomic write, and a read checked like a checkpoint (DataError for missing or damaged files).
void save_classifier(const std::string& path, const TrainedClassifier& classifier);
TrainedClassifier load_classifier(const std::string& path, torch::Device device = torch::kCPU);

}  // namespace ncsn
