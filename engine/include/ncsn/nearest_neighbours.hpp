#pragma once
// The paper's memorisation check: each sample's nearest training image by pixel L2 distance.
#include <torch/types.h>

#include "ncsn/image_dataset.hpp"

namespace ncsn {

struct NearestNeighbours {
  torch::Tensor distances;  // float [N]: L2 over all pixels in [0, 1]
  torch::Tensor indices;    // int64 [N] into the training set
};

// samples: float [N, C, H, W] in [0, 1], the shape of the training images (ConfigError otherwise).
NearestNeighbours nearest_training_images(const torch::Tensor& samples, const ImageDataset& train);

}  // namespace ncsn
