#pragma once
// OpenCV <-> tensor helpers shared by the image I/O sources (internal, not installed).
#include <string>

#include <opencv2/core.hpp>
#include <torch/types.h>

namespace ncsn::detail {

// Decodes a PNG, JPEG, BMP, WebP, TIFF or PNM image, its header checked first
// (check_image_header), into 8-bit RGB (channels 3), grey (channels 1) or, with channels 0,
// whichever of the two the file stores.
// DataError naming the file when it is missing or cannot be decoded; ConfigError for other channel counts.
cv::Mat decode_image(const std::string& path, int64_t channels);

// Checks a PNG's chunk structure (lengths, CRCs, IHDR first) before a decoder sees it: libpng
// trusts declared chunk lengths and would try to allocate gigabytes for a corrupt file.
void check_png_structure(const std::string& bytes, const std::string& where);

// A continuous 8-bit image -> uint8 tensor [C, H, W] (a copy).
torch::Tensor mat_to_chw(const cv::Mat& image);

}  // namespace ncsn::detail
