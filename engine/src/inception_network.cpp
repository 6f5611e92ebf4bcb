#include "ncsn/inception_network.hpp"

#include <filesystem>

#include <torch/torch.h>

#include "ncsn/errors.hpp"
#include "ncsn/tensor_fingerprint.hpp"

namespace ncsn {
namespace {

constexpr int64_t kBatch = 100;

}  // namespace

InceptionNetwork::InceptionNetwork(const std::string& path, int64_t input_size, torch::Device device)
    : input_size_(input_size), device_(device), path_(path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw DataError("Inception network " + path + " does not exist or is not a file");
  if (input_size < 8 || input_size > 1024) throw ConfigError("the Inception input size must be 8 to 1024 pixels");
  try {
    module_ = torch::jit::load(path, device);
  } catch (const std::exception& e) {  // c10::Error, or TorchScript's ErrorReport for code it cannot compile
    throw DataError("Inception network " + path + " is not a TorchScript file (" + first_line(e) + ")");
  }
  module_.eval();
}

InceptionNetwork::Outputs InceptionNetwork::run(const torch::Tensor& images) {
  if (images.dim() != 4 || (images.size(1) != 1 && images.size(1) != 3)) throw ConfigError("expected [N, 1 or 3, H, W] images");
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> features, logits;
  for (int64_t start = 0; start < images.size(0); start += kBatch) {
    auto x = images.narrow(0, start, std::min(kBatch, images.size(0) - start)).to(device_, torch::kFloat);
    if (x.size(1) == 1) x = x.expand({-1, 3, -1, -1});
    namespace F = torch::nn::functional;
    x = F::interpolate(x, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{input_size_, input_size_})
                              .mode(torch::kBilinear)
                              .align_corners(false));
    c10::IValue out;
    try {
      out = module_.forward({x});
    } catch (const std::exception& e) {
      throw DataError("Inception network " + path_ + " failed on a batch (" + first_line(e.what()) + ")");
    }
    if (out.isTensor()) {
      features.push_back(out.toTensor().flatten(1).cpu());
    } else if (out.isTuple() && out.toTuple()->elements().size() == 2 && out.toTuple()->elements()[0].isTensor() &&
               out.toTuple()->elements()[1].isTensor()) {
      features.push_back(out.toTuple()->elements()[0].toTensor().flatten(1).cpu());
      logits.push_back(out.toTuple()->elements()[1].toTensor().flatten(1).cpu());
    } else {
      throw DataError("Inception network " + path_ + " must return features or (features, logits)");
    }
  }
  return {torch::cat(features), logits.empty() ? torch::Tensor() : torch::cat(logits)};
}

InceptionNetwork::Outputs InceptionNetwork::run(const ImageDataset& data, int64_t max_images) {
  const int64_t n = std::min(max_images, data.size());
  return run(data.batch(torch::arange(n)));
}

std::pair<double, double> inception_score(const torch::Tensor& logits, int64_t splits) {
  const int64_t n = logits.size(0);
  splits = std::clamp<int64_t>(splits, 1, n);
  const auto p = torch::softmax(logits.to(torch::kDouble), 1);
  std::vector<double> scores;
  for (int64_t k = 0; k < splits; ++k) {
    const auto part = p.narrow(0, k * n / splits, (k + 1) * n / splits - k * n / splits);
    const auto marginal = part.mean(0, /*keepdim=*/true);
    const auto kl = (part * ((part + 1e-12).log() - (marginal + 1e-12).log())).sum(1).mean();
    scores.push_back(std::exp(kl.item<double>()));
  }
  const auto t = torch::tensor(scores, torch::kDouble);
  return {t.mean().item<double>(), splits > 1 ? t.std().item<double>() : 0.0};
}

InceptionMetrics inception_metrics(InceptionNetwork& network, const torch::Tensor& samples, const ImageDataset& reference,
                                   int64_t reference_images, int64_t splits) {
  const auto mine = network.run(samples);
  const auto theirs = network.run(reference, reference_images);
  InceptionMetrics m;
  m.fid = frechet_distance(feature_stats(mine.features), feature_stats(theirs.features));
  if (mine.logits.defined()) {
    const auto [mean, std] = inception_score(mine.logits, splits);
    m.inception_score = mean;
    m.inception_score_std = std;
  }
  return m;
}

std::string InceptionNetwork::fingerprint() {
  std::vector<torch::Tensor> weights{torch::tensor(input_size_)};
  for (const auto& p : module_.parameters()) weights.push_back(p);
  for (const auto& b : module_.buffers()) weights.push_back(b);
  return tensor_fingerprint(weights);
}

}  // namespace ncsn
