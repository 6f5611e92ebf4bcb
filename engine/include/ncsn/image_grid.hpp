#pragma once
// Tiling a batch of images into one picture, as torchvision's make_grid does.
#include <torch/types.h>

namespace ncsn {

// images: float [N, C, H, W] with pixels nominally in [0, 1] (clamped here, never in the sampler).
// Returns uint8 [rows*(H+pad)+pad, cols*(W+pad)+pad, C] (HWC), padding filled with `pad_value`.
torch::Tensor make_grid(const torch::Tensor& images, int64_t columns, int64_t padding = 2, uint8_t pad_value = 0);

// One image [C, H, W] (or [1, C, H, W]) float in [0, 1] -> uint8 HWC.
torch::Tensor to_hwc_uint8(const torch::Tensor& image);

}  // namespace ncsn
