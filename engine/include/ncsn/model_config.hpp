#pragma once
// What an NCSN is: its data shape, width and noise levels. Stored in every checkpoint.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ncsn {

struct ModelConfig {
  int64_t channels = 1;
  int64_t image_size = 28;
  int64_t ngf = 64;          // base width; the reference uses 64 (28x28 grey) and 128 (32x32 colour)
  int64_t num_classes = 10;  // L, the number of noise levels
  double sigma_begin = 1.0;  // sigma_1, the largest level
  double sigma_end = 0.01;   // sigma_L, the smallest level

  // Throws std::invalid_argument with a user-facing message when a field is out of range.
  void validate() const;
  std::string describe() const;  // one line, e.g. "1x28x28, ngf 64, L=10, sigma 1 -> 0.01"
  // Same network shape: the weights of one load into the other.
  bool same_architecture(const ModelConfig& other) const;
  // Same sigmas, to the float precision that JSON round trips keep.
  bool same_noise_levels(const ModelConfig& other) const;
};

// JSON with the field names as keys; a key left out keeps its default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ModelConfig, channels, image_size, ngf, num_classes, sigma_begin, sigma_end)

}  // namespace ncsn
