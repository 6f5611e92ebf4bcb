#pragma once
// FID and Inception score with an Inception network the user supplies as a TorchScript file
// (none can be downloaded here). The file's forward takes float RGB images in [0, 1], shaped
// [N, 3, S, S] (S = input_size, 299 for Inception-v3), and returns either the pool features
// [N, D] (FID only) or a tuple (features [N, D], logits [N, K]) (FID and IS).
#include <optional>
#include <string>

#include <torch/script.h>

#include "ncsn/image_dataset.hpp"
#include "ncsn/sample_quality.hpp"

namespace ncsn {

class InceptionNetwork {
 public:
  // DataError when the file is missing or not TorchScript.
  InceptionNetwork(const std::string& path, int64_t input_size = 299, torch::Device device = torch::kCPU);

  struct Outputs {
    torch::Tensor features;  // [N, D], CPU
    torch::Tensor logits;    // [N, K], CPU; undefined when the network gives features only
  };
  // images: [N, 1 or 3, H, W] in [0, 1]; grey is repeated to RGB, sizes are resized bilinearly.
  Outputs run(const torch::Tensor& images);
  Outputs run(const ImageDataset& data, int64_t max_images);

  // Of its weights and input size: scores measured with another network are not comparable.
  std::string fingerprint();

 private:
  torch::jit::Module module_;
  int64_t input_size_;
  torch::Device device_;
  std::string path_;
};

struct InceptionMetrics {
  double fid = 0;
  std::optional<double> inception_score, inception_score_std;  // when the network gives logits
};

// FID of `samples` against `reference` (e.g. the test set) and IS of the samples over `splits`.
InceptionMetrics inception_metrics(InceptionNetwork& network, const torch::Tensor& samples, const ImageDataset& reference,
                                   int64_t reference_images = 10000, int64_t splits = 10);

// exp(E_x KL(p(y|x) || p(y))), mean and standard deviation over `splits` equal parts.
std::pair<double, double> inception_score(const torch::Tensor& logits, int64_t splits);

}  // namespace ncsn
