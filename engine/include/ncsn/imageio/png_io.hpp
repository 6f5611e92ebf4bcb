#pragma once
// PNG files through OpenCV, with reproducibility metadata in PNG tEXt chunks.
#include <map>
#include <string>

#include <torch/types.h>

namespace ncsn {

using PngText = std::map<std::string, std::string>;

// hwc: uint8 [H, W, C] with C = 1 or 3 (RGB order). Written atomically; throws WriteError, and
// ConfigError when the name does not end in .png.
void write_png(const std::string& path, const torch::Tensor& hwc, const PngText& text = {});
// Checks, before the work that makes an image, that `path` can take it: ConfigError unless the name
// ends in .png, WriteError when its folder does not exist.
void check_png_output(const std::string& path);
// Encodes to PNG bytes with the text chunks inserted before IEND.
std::string encode_png(const torch::Tensor& hwc, const PngText& text = {});

// All tEXt chunks of a PNG file; throws DataError if the file is missing or not a PNG.
PngText read_png_text(const std::string& path);

// A PNG, JPEG, BMP, WebP, TIFF or PNM image -> float [channels, H, W] in [0, 1]. Throws DataError
// on a missing, undecodable or other-format file, or one declaring over 16384 pixels a side or
// 64 Mpixels (before decoding it), and ConfigError when its colour does not match `channels` (see
// to_model_channels: an RGB file whose channels are equal counts as greyscale).
torch::Tensor read_image(const std::string& path, int64_t channels);

// A mask image -> float [1, H, W] with 1 = known (kept) pixel, 0 = to regenerate.
// White (>= 128) means known. Throws DataError when its size differs from (height, width).
torch::Tensor read_mask(const std::string& path, int64_t height, int64_t width);

}  // namespace ncsn
