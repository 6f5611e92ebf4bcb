#pragma once
// The format and pixel size an image file declares, read from its header before any decoder sees
// it (internal, not installed). OpenCV's decoders allocate the declared size up front, so a
// 100-byte BMP or PPM that claims 30000x30000 pixels would cost 2.7 GB before failing.
#include <cstdint>
#include <string>

namespace ncsn::detail {

struct DeclaredImage {
  std::string format;  // "PNG", "JPEG", "BMP", "WebP", "TIFF" or "PNM"
  uint64_t width = 0;
  uint64_t height = 0;
};

// The header of `bytes`, one of the formats the studio reads. DataError naming `where` for any
// other format, or for a header too short or malformed to give a size.
DeclaredImage read_image_header(const std::string& bytes, const std::string& where);

// read_image_header, and DataError for a size of zero or beyond 16384 pixels a side or
// 64 Mpixels: far above any dataset image, far below what would exhaust memory.
DeclaredImage check_image_header(const std::string& bytes, const std::string& where);

}  // namespace ncsn::detail
