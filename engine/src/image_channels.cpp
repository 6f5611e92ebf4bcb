#include "ncsn/image_channels.hpp"

#include "ncsn/errors.hpp"

namespace ncsn {

bool is_greyscale(const torch::Tensor& rgb) { return torch::equal(rgb[0], rgb[1]) && torch::equal(rgb[1], rgb[2]); }

torch::Tensor to_model_channels(const torch::Tensor& image, int64_t channels, const std::string& source) {
  if (channels != 1 && channels != 3) throw ConfigError("images must have 1 or 3 channels, not " + std::to_string(channels));
  const int64_t stored = image.dim() == 3 ? image.size(0) : 0;
  if (stored != 1 && stored != 3) throw ConfigError(source + ": expected a greyscale or an RGB image");
  if (stored == channels) return image;
  if (channels == 3)
    throw ConfigError(source + " is a greyscale image but the model works on colour (RGB) images; use a colour image");
  if (!is_greyscale(image))
    throw ConfigError(source + " is in colour but the model works on greyscale images; convert it to greyscale first");
  return image.narrow(0, 0, 1).contiguous();
}

}  // namespace ncsn
