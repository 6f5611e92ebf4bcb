#include "ncsn/nearest_neighbours.hpp"

#include <limits>

#include <torch/torch.h>

#include "ncsn/errors.hpp"

namespace ncsn {

NearestNeighbours nearest_training_images(const torch::Tensor& samples, const ImageDataset& train) {
  if (samples.dim() != 4 || samples.size(1) != train.channels() || samples.size(2) != train.height() ||
      samples.size(3) != train.width())
    throw ConfigError("the samples and the training images differ in shape");
  torch::NoGradGuard no_grad;
  const auto queries = samples.detach().to(torch::kCPU, torch::kFloat).flatten(1);
  auto best = torch::full({queries.size(0)}, std::numeric_limits<float>::infinity());
  auto best_index = torch::zeros({queries.size(0)}, torch::kLong);
  // The training set stays uint8 in memory; a chunk at a time is converted and compared.
  constexpr int64_t kChunk = 4096;
  for (int64_t start = 0; start < train.size(); start += kChunk) {
    const auto idx = torch::arange(start, std::min(start + kChunk, train.size()));
    const auto [value, arg] = torch::cdist(queries, train.batch(idx).flatten(1)).min(1);
    const auto better = value < best;
    best = torch::where(better, value, best);
    best_index = torch::where(better, arg + start, best_index);
  }
  // cdist's matrix-product form loses digits (a copy lands ~1e-3 away); the chosen neighbour's
  // distance is recomputed exactly.
  return {(queries - train.batch(best_index).flatten(1)).norm(2, 1), best_index};
}

}  // namespace ncsn
