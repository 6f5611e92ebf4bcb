#include "image_header.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "cv_image.hpp"
#include "ncsn/errors.hpp"

namespace ncsn::detail {
namespace {

constexpr uint64_t kMaxSide = 16384, kMaxPixels = uint64_t{1} << 26;

// Bounds-checked reads of one file's header: reading past the end means the header is truncated.
class HeaderBytes {
 public:
  HeaderBytes(const std::string& bytes, std::string format, const std::string& where)
      : bytes_(bytes), format_(std::move(format)), where_(where) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(where_ + ": corrupt " + format_ + " (" + what + ")");
  }
  bool has(size_t at) const { return at < bytes_.size(); }
  uint8_t at(size_t i) const {
    if (!has(i)) fail("the header is truncated");
    return static_cast<uint8_t>(bytes_[i]);
  }
  uint64_t le(size_t at, int n) const {
    uint64_t v = 0;
    for (int k = n - 1; k >= 0; --k) v = v << 8 | this->at(at + k);
    return v;
  }
  uint64_t be(size_t at, int n) const {
    uint64_t v = 0;
    for (int k = 0; k < n; ++k) v = v << 8 | this->at(at + k);
    return v;
  }
  DeclaredImage image(uint64_t width, uint64_t height) const { return {format_, width, height}; }

 private:
  const std::string& bytes_;
  std::string format_;
  const std::string& where_;
};

bool has_magic(const std::string& bytes, std::string_view magic, size_t offset = 0) {
  return bytes.size() >= offset + magic.size() && std::string_view(bytes).substr(offset, magic.size()) == magic;
}

// SOF0-SOF15 carry the frame size; C4 (DHT), C8 (reserved) and CC (DAC) share the range.
bool is_frame_header(uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

DeclaredImage jpeg_header(const HeaderBytes& b) {
  size_t at = 2;
  for (;;) {
    if (b.at(at) != 0xFF) b.fail("a marker was expected");
    while (b.at(at) == 0xFF) ++at;  // fill bytes
    const uint8_t marker = b.at(at++);
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // markers without a segment
    if (marker == 0xD9 || marker == 0xDA) b.fail("no frame header before the image data");
    const uint64_t length = b.be(at, 2);
    if (length < 2) b.fail("a segment shorter than its length field");
    if (is_frame_header(marker)) return b.image(b.be(at + 5, 2), b.be(at + 3, 2));
    at += length;
  }
}

DeclaredImage bmp_header(const HeaderBytes& b) {
  const uint64_t info_size = b.le(14, 4);
  if (info_size == 12) return b.image(b.le(18, 2), b.le(20, 2));  // OS/2 core header: 16-bit sizes
  if (info_size < 36) b.fail("unknown info header");
  const auto width = static_cast<int32_t>(b.le(18, 4));
  const auto height = static_cast<int64_t>(static_cast<int32_t>(b.le(22, 4)));
  if (width < 0) b.fail("negative width");
  return b.image(static_cast<uint64_t>(width), static_cast<uint64_t>(std::abs(height)));  // < 0: rows top-down
}

DeclaredImage webp_header(const std::string& bytes, const HeaderBytes& b) {
  if (has_magic(bytes, "VP8 ", 12)) {
    if (b.be(23, 3) != 0x9d012a) b.fail("bad VP8 start code");
    return b.image(b.le(26, 2) & 0x3fff, b.le(28, 2) & 0x3fff);
  }
  if (has_magic(bytes, "VP8L", 12)) {
    if (b.at(20) != 0x2f) b.fail("bad VP8L signature");
    const uint64_t bits = b.le(21, 4);
    return b.image((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
  }
  if (has_magic(bytes, "VP8X", 12)) return b.image(b.le(24, 3) + 1, b.le(27, 3) + 1);
  b.fail("unknown first chunk");
}

// The first image file directory's ImageWidth (256) and ImageLength (257) tags.
DeclaredImage tiff_header(const HeaderBytes& b, bool big_endian) {
  const auto read = [&](size_t at, int n) { return big_endian ? b.be(at, n) : b.le(at, n); };
  const uint64_t directory = read(4, 4), entries = read(directory, 2);
  uint64_t width = 0, height = 0;
  for (uint64_t i = 0; i < entries; ++i) {
    const size_t entry = directory + 2 + 12 * i;
    const uint64_t tag = read(entry, 2), type = read(entry + 2, 2);
    if (tag != 256 && tag != 257) continue;
    if (type != 3 && type != 4) b.fail("the image size is neither SHORT nor LONG");
    (tag == 256 ? width : height) = read(entry + 8, type == 3 ? 2 : 4);
  }
  return b.image(width, height);
}

// Netpbm P1-P6: the magic, then width and height as decimal text; '#' comments run to the line's end.
DeclaredImage pnm_header(const HeaderBytes& b) {
  size_t at = 2;
  const auto number = [&] {
    for (uint8_t c = b.at(at); c == '#' || std::isspace(c); c = b.at(at)) {
      if (c == '#') {
        while (b.at(at) != '\n' && b.at(at) != '\r') ++at;
      } else {
        ++at;
      }
    }
    if (!std::isdigit(b.at(at))) b.fail("the width and height must be decimal numbers");
    uint64_t v = 0;
    // Clamped, not wrapped: any number this long is far beyond the size limit anyway.
    for (; b.has(at) && std::isdigit(b.at(at)); ++at)
      v = std::min<uint64_t>(v, uint64_t{1} << 40) * 10 + (b.at(at) - '0');
    return v;
  };
  const uint64_t width = number();
  return b.image(width, number());
}

}  // namespace

DeclaredImage read_image_header(const std::string& bytes, const std::string& where) {
  using namespace std::string_view_literals;
  if (has_magic(bytes, "\x89PNG"sv)) {
    check_png_structure(bytes, where);  // IHDR first: width and height at bytes 16 and 20
    const HeaderBytes b(bytes, "PNG", where);
    return b.image(b.be(16, 4), b.be(20, 4));
  }
  if (has_magic(bytes, "\xFF\xD8\xFF"sv)) return jpeg_header(HeaderBytes(bytes, "JPEG", where));
  if (has_magic(bytes, "BM"sv)) return bmp_header(HeaderBytes(bytes, "BMP", where));
  if (has_magic(bytes, "RIFF"sv) && has_magic(bytes, "WEBP"sv, 8))
    return webp_header(bytes, HeaderBytes(bytes, "WebP", where));
  if (has_magic(bytes, "II*\0"sv) || has_magic(bytes, "MM\0*"sv))
    return tiff_header(HeaderBytes(bytes, "TIFF", where), bytes[0] == 'M');
  if (has_magic(bytes, "II+\0"sv) || has_magic(bytes, "MM\0+"sv))
    throw DataError(where + ": BigTIFF files are not read; save the image as TIFF or PNG");
  if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '6')
    return pnm_header(HeaderBytes(bytes, "PNM", where));
  throw DataError(where + ": not an image format the studio reads (PNG, JPEG, BMP, WebP, TIFF or PNM)");
}

DeclaredImage check_image_header(const std::string& bytes, const std::string& where) {
  DeclaredImage image = read_image_header(bytes, where);
  const uint64_t w = image.width, h = image.height;
  if (w == 0 || h == 0) throw DataError(where + ": corrupt " + image.format + " (it declares no pixels)");
  if (w > kMaxSide || h > kMaxSide || w * h > kMaxPixels)
    throw DataError(where + ": the " + image.format + " declares " + std::to_string(w) + "x" + std::to_string(h) +
                    " pixels, beyond what the studio reads (16384 per side, 64 Mpixels)");
  return image;
}

}  // namespace ncsn::detail
