#include "ncsn/imageio/png_io.hpp"

#include <zlib.h>

#include <cstring>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "cv_image.hpp"
#include "file_extension.hpp"
#include "ncsn/atomic_file.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/image_channels.hpp"
#include "ncsn/image_dataset.hpp"

namespace ncsn {
namespace {

constexpr char kSignature[] = "\x89PNG\r\n\x1a\n";
constexpr size_t kSignatureSize = 8;
constexpr uint32_t kMaxChunkLength = 0x7fffffff;  // the PNG spec's limit

struct Chunk {
  std::string type;
  size_t data_offset;  // into the file bytes
  size_t length;
  size_t end;  // offset just past the CRC
};

uint32_t be32(const std::string& b, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint32_t crc_of(const char* data, size_t size) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data), static_cast<uInt>(size)));
}

// Splits a PNG into chunks, checking every length against the bytes present and every CRC.
// `where` names the file in error messages. Stops after IEND.
std::vector<Chunk> parse_chunks(const std::string& png, const std::string& where) {
  auto fail = [&](const std::string& what) -> void { throw DataError(where + ": " + what); };
  if (png.size() < kSignatureSize || std::memcmp(png.data(), kSignature, kSignatureSize) != 0)
    fail("not a PNG file (bad signature)");
  std::vector<Chunk> chunks;
  size_t at = kSignatureSize;
  while (chunks.empty() || chunks.back().type != "IEND") {
    if (png.size() - at < 12) fail("truncated PNG (ends inside a chunk header, before IEND)");
    const uint32_t length = be32(png, at);
    if (length > kMaxChunkLength) fail("corrupt PNG (chunk length " + std::to_string(length) + " is out of range)");
    if (png.size() - at - 12 < length) fail("truncated PNG (a chunk runs past the end of the file)");
    Chunk c{png.substr(at + 4, 4), at + 8, length, at + 12 + length};
    if (crc_of(png.data() + at + 4, 4 + length) != be32(png, at + 8 + length))
      fail("corrupt PNG (CRC mismatch in a '" + c.type + "' chunk)");
    if (chunks.empty() && c.type != "IHDR") fail("corrupt PNG (the first chunk is not IHDR)");
    chunks.push_back(c);
    at = c.end;
  }
  return chunks;
}

}  // namespace

namespace detail {

void check_png_structure(const std::string& bytes, const std::string& where) {
  const auto chunks = parse_chunks(bytes, where);
  if (chunks.front().length < 8) throw DataError(where + ": corrupt PNG (IHDR is too short)");
}

}  // namespace detail

namespace {

// Per the PNG spec: 1-79 Latin-1 printable characters (32-126, 161-255).
void check_key(const std::string& key) {
  bool ok = !key.empty() && key.size() <= 79;
  for (unsigned char ch : key) ok = ok && ((ch >= 32 && ch <= 126) || ch >= 161);
  if (!ok) throw ConfigError("invalid PNG text key '" + key + "': keys must be 1-79 printable Latin-1 characters");
}

std::string text_chunk(const std::string& key, const std::string& value) {
  check_key(key);
  if (value.find('\0') != std::string::npos) throw ConfigError("the PNG text value for '" + key + "' contains a NUL byte");
  const std::string body = "tEXt" + key + '\0' + value;
  if (body.size() - 4 > kMaxChunkLength) throw ConfigError("the PNG text value for '" + key + "' is too long");
  std::string chunk;
  put_be32(chunk, static_cast<uint32_t>(body.size() - 4));
  chunk += body;
  put_be32(chunk, crc_of(body.data(), body.size()));
  return chunk;
}

cv::Mat hwc_to_bgr_mat(const torch::Tensor& hwc) {
  if (hwc.dim() != 3 || hwc.scalar_type() != torch::kUInt8 || (hwc.size(2) != 1 && hwc.size(2) != 3) || hwc.numel() == 0)
    throw ConfigError("a PNG image must be a non-empty uint8 tensor [H, W, C] with C = 1 or 3");
  const auto t = hwc.to(torch::kCPU).contiguous();
  const cv::Mat view(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_8UC(static_cast<int>(t.size(2))),
                     t.data_ptr<uint8_t>());
  cv::Mat out;
  if (t.size(2) == 3)
    cv::cvtColor(view, out, cv::COLOR_RGB2BGR);
  else
    out = view.clone();
  return out;
}

// A grid saved as "samples.jpg" would still hold PNG bytes, and viewers go by the name.
void check_png_name(const std::string& path) {
  if (detail::lowercase_extension(path) != ".png")
    throw ConfigError("images are written as PNG with their settings inside: give a file name ending in .png, not " + path);
}

}  // namespace

std::string encode_png(const torch::Tensor& hwc, const PngText& text) {
  std::string chunks;
  for (const auto& [key, value] : text) chunks += text_chunk(key, value);  // validate before encoding
  std::vector<uchar> buf;
  if (!cv::imencode(".png", hwc_to_bgr_mat(hwc), buf)) throw WriteError("OpenCV could not encode the PNG image");
  std::string png(buf.begin(), buf.end());
  const auto parsed = parse_chunks(png, "encoded PNG");
  png.insert(parsed.back().data_offset - 8, chunks);  // just before IEND
  return png;
}

void check_png_output(const std::string& path) {
  check_png_name(path);
  require_output_folder(path);
}

void write_png(const std::string& path, const torch::Tensor& hwc, const PngText& text) {
  check_png_name(path);
  write_file_atomically(path, encode_png(hwc, text));
}

PngText read_png_text(const std::string& path) {
  const std::string png = read_data_file(path);
  PngText text;
  for (const auto& c : parse_chunks(png, path)) {
    if (c.type != "tEXt") continue;
    const std::string body = png.substr(c.data_offset, c.length);
    const size_t nul = body.find('\0');
    if (nul == std::string::npos || nul == 0 || nul > 79) throw DataError(path + ": corrupt PNG (malformed tEXt chunk)");
    text.emplace(body.substr(0, nul), body.substr(nul + 1));
  }
  return text;
}

torch::Tensor read_image(const std::string& path, int64_t channels) {
  const auto stored = detail::mat_to_chw(detail::decode_image(path, 0));
  return to_model_channels(stored, channels, path).to(torch::kFloat).div_(255.0);
}

torch::Tensor read_mask(const std::string& path, int64_t height, int64_t width) {
  const cv::Mat grey = detail::decode_image(path, 1);
  if (grey.rows != height || grey.cols != width)
    throw DataError(path + ": the mask is " + std::to_string(grey.cols) + "x" + std::to_string(grey.rows) +
                    " but the image is " + std::to_string(width) + "x" + std::to_string(height));
  return detail::mat_to_chw(grey).ge(128).to(torch::kFloat);
}

}  // namespace ncsn
