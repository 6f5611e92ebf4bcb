#include "ncsn/model_config.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "ncsn/errors.hpp"

namespace ncsn {

void ModelConfig::validate() const {
  if (channels != 1 && channels != 3) throw ConfigError("images must have 1 or 3 channels, not " + std::to_string(channels));
  // Two halvings (ConvMeanPool in res2, the 28x28 padding rule) need a size divisible by 4.
  if (image_size < 8 || image_size % 4 != 0)
    throw ConfigError("image size must be a multiple of 4 and at least 8, not " + std::to_string(image_size));
  // Upper bounds far above any real model; they stop a corrupt file from requesting a network
  // (or a sigma table) too large to allocate.
  if (image_size > 4096) throw ConfigError("image size must be at most 4096, not " + std::to_string(image_size));
  // CondInstanceNorm++ takes the variance of the channel means: one channel gives NaN at once.
  if (ngf < 2 || ngf > 1024) throw ConfigError("ngf must be between 2 and 1024, not " + std::to_string(ngf));
  if (num_classes < 1 || num_classes > 100000)
    throw ConfigError("the number of noise levels L must be between 1 and 100000, not " + std::to_string(num_classes));
  if (!(sigma_begin > 0) || !(sigma_end > 0) || sigma_end > sigma_begin)
    throw ConfigError("noise levels need sigma_1 >= sigma_L > 0");
}

std::string ModelConfig::describe() const {
  std::ostringstream s;
  s << channels << "x" << image_size << "x" << image_size << ", ngf " << ngf << ", L=" << num_classes << ", sigma "
    << sigma_begin << " -> " << sigma_end;
  return s.str();
}

bool ModelConfig::same_architecture(const ModelConfig& other) const {
  return channels == other.channels && image_size == other.image_size && ngf == other.ngf &&
         num_classes == other.num_classes;
}

bool ModelConfig::same_noise_levels(const ModelConfig& other) const {
  const auto close = [](double x, double y) { return std::abs(x - y) <= 1e-6 * std::max(std::abs(x), std::abs(y)); };
  return close(sigma_begin, other.sigma_begin) && close(sigma_end, other.sigma_end);
}

}  // namespace ncsn
