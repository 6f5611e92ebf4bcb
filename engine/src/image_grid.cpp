#include "ncsn/image_grid.hpp"

#include <torch/torch.h>

#include "ncsn/errors.hpp"

namespace ncsn {

torch::Tensor to_hwc_uint8(const torch::Tensor& image) {
  auto img = image.dim() == 4 ? image.squeeze(0) : image;
  if (img.dim() != 3) throw ConfigError("expected an image of shape [C, H, W]");
  // Same rounding as torchvision's save_image: x*255 + 0.5, clamped, truncated.
  return img.detach().to(torch::kCPU, torch::kFloat).mul(255).add_(0.5).clamp_(0, 255).to(torch::kUInt8).permute({1, 2, 0}).contiguous();
}

torch::Tensor make_grid(const torch::Tensor& images, int64_t columns, int64_t padding, uint8_t pad_value) {
  if (images.dim() != 4 || images.size(0) == 0) throw ConfigError("make_grid expects a non-empty batch [N, C, H, W]");
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  const int64_t cols = std::max<int64_t>(1, std::min(columns, n));
  const int64_t rows = (n + cols - 1) / cols;
  auto grid = torch::full({rows * (h + padding) + padding, cols * (w + padding) + padding, c}, pad_value, torch::kUInt8);
  auto tiles = images.detach().to(torch::kCPU, torch::kFloat).mul(255).add_(0.5).clamp_(0, 255).to(torch::kUInt8);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t y = padding + (k / cols) * (h + padding), x = padding + (k % cols) * (w + padding);
    grid.narrow(0, y, h).narrow(1, x, w).copy_(tiles[k].permute({1, 2, 0}));
  }
  return grid;
}

}  // namespace ncsn
