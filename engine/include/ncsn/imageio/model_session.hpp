#pragma once
// A loaded model ready to sample (shared by the CLI and the studio): the network, its noise
// levels and a score function.
#include <string>

#include <torch/types.h>

#include "ncsn/annealed_langevin_sampler.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/imageio/png_io.hpp"

namespace ncsn {

struct ModelSession {
  LoadedModel loaded;
  std::string path;
  torch::Device device = torch::kCPU;
  AnnealedLangevinSampler sampler;

  static ModelSession open(const std::string& path, torch::Device device);
  std::vector<int64_t> image_shape() const;
  // An image file the model can take, float [C, H, W] in [0, 1] on the CPU; ConfigError naming
  // both sizes when it is not the model's size (see read_image for the other errors).
  torch::Tensor read_model_image(const std::string& image_path) const;
};

// The settings that made an output, stored in its PNG text chunks so it can be reproduced.
PngText provenance(const ModelSession& session, const LangevinSettings& settings, const std::string& sampler_name,
                   const nlohmann::json& extra = nlohmann::json::object());

}  // namespace ncsn
