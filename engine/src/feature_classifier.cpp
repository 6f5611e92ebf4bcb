#include "ncsn/feature_classifier.hpp"

#include <sstream>

#include "ncsn/atomic_file.hpp"
#include "ncsn/cpu_convolution_check.hpp"
#include "ncsn/errors.hpp"
#include "studio_archive.hpp"

namespace ncsn {
namespace {

constexpr const char* kClassifierFormat = "ncsn-studio-classifier";
constexpr int64_t kBatch = 500;

// Features of `count` images, fetched `kBatch` at a time by images(start, length): whole
// datasets never sit in memory at once.
template <typename Images>
torch::Tensor features_in_batches(FeatureClassifier& classifier, int64_t count, const Images& images) {
  torch::NoGradGuard no_grad;
  classifier->eval();
  const auto device = classifier->parameters().front().device();
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < count; start += kBatch)
    parts.push_back(classifier->features(images(start, std::min(kBatch, count - start)).to(device)).cpu());
  return torch::cat(parts);
}

}  // namespace

FeatureClassifierImpl::FeatureClassifierImpl(const FeatureClassifierConfig& c) : config(c) {
  if ((c.channels != 1 && c.channels != 3) || c.image_size < 4 || c.image_size > 4096 || c.num_classes < 2 ||
      c.num_classes > 100000 || c.feature_dim < 2 || c.feature_dim > 65536)
    throw ConfigError("a feature classifier needs 1 or 3 channels, images of 4 to 4096 pixels, 2+ classes and 2+ features");
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.channels, 32, 3).padding(1)));
  conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)));
  const int64_t side = c.image_size / 4;  // two 2x2 poolings
  hidden = register_module("hidden", torch::nn::Linear(64 * side * side, c.feature_dim));
  head = register_module("head", torch::nn::Linear(c.feature_dim, c.num_classes));
}

torch::Tensor FeatureClassifierImpl::features(const torch::Tensor& x) {
  if (x.dim() != 4 || x.size(1) != config.channels || x.size(2) != config.image_size || x.size(3) != config.image_size)
    throw ConfigError("the classifier takes " + std::to_string(config.channels) + "x" + std::to_string(config.image_size) +
                      "x" + std::to_string(config.image_size) + " images");
  if (x.is_cpu()) ensure_sound_cpu_convolutions();
  auto h = torch::max_pool2d(torch::relu(conv1(x - 0.5)), 2);
  h = torch::max_pool2d(torch::relu(conv2(h)), 2);
  return torch::relu(hidden(h.flatten(1)));
}

torch::Tensor FeatureClassifierImpl::forward(const torch::Tensor& x) { return head(features(x)); }

namespace {

void check_labelled(const ImageDataset& data, const char* which) {
  if (data.size() == 0) throw ConfigError(std::string("the ") + which + " set is empty");
  if (!data.labels.defined() || data.labels.min().item<int64_t>() < 0)
    throw ConfigError(std::string("the ") + which + " set has no labels: a feature classifier needs labelled data");
}

}  // namespace

torch::Tensor classifier_features(FeatureClassifier& classifier, const torch::Tensor& images) {
  return features_in_batches(classifier, images.size(0), [&](int64_t start, int64_t n) { return images.narrow(0, start, n); });
}

torch::Tensor classifier_features(FeatureClassifier& classifier, const ImageDataset& data) {
  return features_in_batches(classifier, data.size(),
                             [&](int64_t start, int64_t n) { return data.batch(torch::arange(start, start + n)); });
}

torch::Tensor predicted_classes(FeatureClassifier& classifier, const torch::Tensor& features) {
  torch::NoGradGuard no_grad;
  return classifier->head(features.to(classifier->parameters().front().device())).argmax(1).cpu();
}

double classifier_accuracy(FeatureClassifier& model, const ImageDataset& data) {
  const auto predicted = predicted_classes(model, classifier_features(model, data));
  return predicted.eq(data.labels).to(torch::kDouble).mean().item<double>();
}

TrainedClassifier train_feature_classifier(const ImageDataset& train, const ImageDataset& test, const ClassifierTraining& o,
                                           torch::Device device) {
  check_labelled(train, "training");
  check_labelled(test, "test");
  if (train.channels() != test.channels() || train.height() != test.height() || train.height() != train.width())
    throw ConfigError("the training and test sets must hold square images of one shape");
  FeatureClassifierConfig config;
  config.channels = train.channels();
  config.image_size = train.height();
  config.num_classes = std::max(train.labels.max().item<int64_t>(), test.labels.max().item<int64_t>()) + 1;
  torch::manual_seed(o.seed);
  TrainedClassifier result{FeatureClassifier(config), 0, train.name};
  result.model->to(device);
  torch::optim::Adam adam(result.model->parameters(), torch::optim::AdamOptions(o.lr));
  for (int64_t step = 0; step < o.iterations; ++step) {
    result.model->train();
    const auto idx = torch::randint(train.size(), {std::min(o.batch_size, train.size())}, torch::kLong);
    const auto loss = torch::cross_entropy_loss(result.model->forward(train.batch(idx, device)),
                                                train.labels.index_select(0, idx).to(device));
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  result.test_accuracy = classifier_accuracy(result.model, test);
  return result;
}

void save_classifier(const std::string& path, const TrainedClassifier& c) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kClassifierFormat)));
  const nlohmann::json meta = {{"config", c.model->config}, {"test_accuracy", c.test_accuracy}, {"dataset", c.dataset}};
  archive.write("meta", c10::IValue(meta.dump()));
  torch::serialize::OutputArchive weights;
  c.model->save(weights);
  archive.write("model", weights);
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomically(path, bytes.str());
}

TrainedClassifier load_classifier(const std::string& path, torch::Device device) {
  auto archive = detail::open_studio_archive(path, torch::kCPU, kClassifierFormat, "classifier");
  c10::IValue meta_text;
  if (!archive.try_read("meta", meta_text) || !meta_text.isString()) throw DataError("classifier " + path + " has no metadata");
  TrainedClassifier c;
  try {
    const auto meta = nlohmann::json::parse(meta_text.toStringRef());
    c.model = FeatureClassifier(meta.at("config").get<FeatureClassifierConfig>());
    c.test_accuracy = meta.value("test_accuracy", 0.0);
    c.dataset = meta.value("dataset", std::string());
  } catch (const std::exception& e) {
    throw DataError("classifier " + path + " has bad metadata (" + first_line(e.what()) + ")");
  }
  detail::load_submodule(archive, "model", *c.model, path, "classifier");
  c.model->to(device);
  c.model->eval();
  return c;
}

}  // namespace ncsn
