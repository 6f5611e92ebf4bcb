#include "ncsn/image_dataset.hpp"

#include <zlib.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <torch/torch.h>

#include "ncsn/errors.hpp"

namespace fs = std::filesystem;

namespace ncsn {
namespace {

constexpr const char* kDebianFashionMnistDir = "/usr/share/datasets/fashion-mnist";
constexpr uint32_t kIdxImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension
constexpr int64_t kCifarSide = 32;
constexpr int64_t kCifarRecord = 1 + 3 * kCifarSide * kCifarSide;

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw DataError(path + ": " + what); }

bool is_gzip(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b;
}

// Inflates in memory so a truncated stream is detected (no Z_STREAM_END) instead of silently cut short.
// Concatenated gzip members are accepted, as gzip(1) does.
std::string gunzip(const std::string& path, const std::string& packed) {
  if (packed.size() > UINT_MAX) fail(path, "compressed files over 4 GiB are not supported");
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail(path, "cannot initialise zlib");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  zs.avail_in = static_cast<uInt>(packed.size());
  std::string out;
  std::vector<char> chunk(1 << 16);
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);
      continue;
    }
    if (rc != Z_OK) break;
  }
  const std::string reason = zs.msg ? zs.msg : "";
  inflateEnd(&zs);
  if (rc == Z_STREAM_END) return out;
  if (rc == Z_BUF_ERROR) fail(path, "the gzip data is truncated (unexpected end of file)");
  fail(path, "the gzip data is corrupt" + (reason.empty() ? std::string() : " (" + reason + ")"));
}

uint32_t read_be32(const std::string& bytes, size_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + offset);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

// Raw or gzip-compressed file, decompressed.
std::string read_maybe_gzipped(const std::string& path) {
  std::string bytes = read_data_file(path);
  if (bytes.empty()) fail(path, "the file is empty");
  return is_gzip(bytes) ? gunzip(path, bytes) : bytes;
}

// Parses an IDX header and checks the payload size against it, so a corrupt header can never
// make us allocate more than the bytes actually present. Returns the dimensions.
std::vector<int64_t> parse_idx_header(const std::string& path, const std::string& bytes, uint32_t magic, const char* kind) {
  if (bytes.empty()) fail(path, "the file is empty");
  if (bytes.size() < 4) fail(path, "too short to be an IDX file (" + std::to_string(bytes.size()) + " bytes)");
  const uint32_t found = read_be32(bytes, 0);
  if (found != magic)
    fail(path, std::string("not an IDX ") + kind + " file (magic number " + hex32(found) + ", expected " + hex32(magic) + ")");
  const size_t ndims = magic & 0xff;
  const size_t header = 4 + 4 * ndims;
  if (bytes.size() < header) fail(path, "truncated IDX header");
  const uint64_t payload = bytes.size() - header;
  std::vector<int64_t> dims;
  uint64_t count = 1;
  for (size_t d = 0; d < ndims; ++d) {
    const uint32_t n = read_be32(bytes, 4 + 4 * d);
    if (n == 0) fail(path, "IDX dimension " + std::to_string(d) + " is 0 (no data)");
    // Each factor is below 2^32 and the running product never exceeds the payload, so no overflow.
    count *= n;
    if (count > payload)
      fail(path, "truncated: the header promises more data than the " + std::to_string(payload) + " bytes present");
    dims.push_back(n);
  }
  if (count != payload)
    fail(path, "the header describes " + std::to_string(count) + " bytes of data but " + std::to_string(payload) +
                   " bytes follow (truncated or not an IDX file)");
  return dims;
}

torch::Tensor bytes_to_tensor(const std::string& bytes, size_t offset, at::IntArrayRef shape) {
  auto t = torch::empty(shape, torch::kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), bytes.data() + offset, static_cast<size_t>(t.numel()));
  return t;
}

torch::Tensor load_idx_labels(const std::string& path) {
  const std::string bytes = read_maybe_gzipped(path);
  const auto dims = parse_idx_header(path, bytes, kIdxLabelsMagic, "label");
  return bytes_to_tensor(bytes, 8, {dims[0]}).to(torch::kLong);
}

// Reads one CIFAR-10 batch file into images [N, 3, 32, 32] and labels [N].
std::pair<torch::Tensor, torch::Tensor> read_cifar_batch(const std::string& path) {
  const std::string bytes = read_data_file(path);
  if (bytes.empty()) fail(path, "the file is empty");
  if (bytes.size() % kCifarRecord != 0)
    fail(path, "size " + std::to_string(bytes.size()) + " bytes is not a multiple of the CIFAR-10 record size " +
                   std::to_string(kCifarRecord) + " (truncated or not a CIFAR-10 binary batch)");
  const int64_t n = static_cast<int64_t>(bytes.size()) / kCifarRecord;
  // Each record is a label byte then the R, G and B planes: already channel-first.
  auto records = bytes_to_tensor(bytes, 0, {n, kCifarRecord});
  auto labels = records.select(1, 0).to(torch::kLong);
  const int64_t max_label = labels.max().item<int64_t>();
  if (max_label > 9)
    fail(path, "label " + std::to_string(max_label) + " is not a CIFAR-10 class (0-9); is this a CIFAR-100 file?");
  auto images = records.narrow(1, 1, kCifarRecord - 1).reshape({n, 3, kCifarSide, kCifarSide}).contiguous();
  return {images, labels};
}

// "<dir>/<stem>.gz" or "<dir>/<stem>", whichever exists.
std::optional<std::string> find_idx_file(const fs::path& dir, const std::string& stem) {
  for (const auto& name : {stem + ".gz", stem}) {
    const fs::path p = dir / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return std::nullopt;
}

// "/a/b/" and "/a/./b" both become "/a/b".
fs::path normal_dir(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  return p.has_filename() ? p : p.parent_path();
}

std::string missing_dataset_hint(const std::string& dir) {
  if (normal_dir(dir) != fs::path(kDebianFashionMnistDir)) return "";
  return " (install it with: sudo apt install dataset-fashion-mnist, or set NCSN_FASHION_MNIST_DIR)";
}

}  // namespace

std::string read_data_file(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) throw DataError(path + ": the file does not exist");
  if (fs::is_directory(status)) throw DataError(path + ": is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open the file (" + std::strerror(errno) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw DataError(path + ": read error (" + std::strerror(errno) + ")");
  return ss.str();
}

torch::Tensor ImageDataset::batch(const torch::Tensor& indices, const std::optional<torch::Device>& device) const {
  if (!images.defined()) throw ConfigError("the dataset '" + name + "' is not loaded");
  const auto bytes = images.index_select(0, indices.to(images.device(), torch::kLong));
  return bytes_to_unit_interval(device ? bytes.to(*device) : bytes);
}

torch::Tensor bytes_to_unit_interval(const torch::Tensor& bytes) { return bytes.to(torch::kFloat).div_(255.0); }

ImageDataset load_idx(const std::string& images_path, const std::optional<std::string>& labels_path) {
  const std::string bytes = read_maybe_gzipped(images_path);
  const auto dims = parse_idx_header(images_path, bytes, kIdxImagesMagic, "image");
  ImageDataset ds;
  ds.images = bytes_to_tensor(bytes, 16, {dims[0], 1, dims[1], dims[2]});
  ds.name = fs::path(images_path).filename().string();
  if (!labels_path) {
    ds.labels = torch::full({dims[0]}, -1, torch::kLong);
    return ds;
  }
  ds.labels = load_idx_labels(*labels_path);
  if (ds.labels.size(0) != dims[0])
    throw DataError(*labels_path + ": has " + std::to_string(ds.labels.size(0)) + " labels but " + images_path +
                    " has " + std::to_string(dims[0]) + " images");
  return ds;
}

ImageDataset load_cifar10(const std::string& dir, Split split) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DataError(dir + ": the CIFAR-10 folder does not exist");
  std::vector<std::string> files;
  if (split == Split::Test) {
    files.push_back((fs::path(dir) / "test_batch.bin").string());
  } else {
    for (int i = 1; i <= 5; ++i) {
      const fs::path p = fs::path(dir) / ("data_batch_" + std::to_string(i) + ".bin");
      if (fs::exists(p, ec)) files.push_back(p.string());
    }
    if (files.empty()) throw DataError(dir + ": no CIFAR-10 training batches (data_batch_1.bin ... data_batch_5.bin)");
  }
  std::vector<torch::Tensor> images, labels;
  for (const auto& f : files) {
    auto [im, lb] = read_cifar_batch(f);
    images.push_back(im);
    labels.push_back(lb);
  }
  return {torch::cat(images), torch::cat(labels), "cifar10"};
}

std::string default_fashion_mnist_dir() {
  const char* env = std::getenv("NCSN_FASHION_MNIST_DIR");
  return env && *env ? env : kDebianFashionMnistDir;
}

ImageDataset load_idx_folder(const std::string& dir, Split split) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DataError(dir + ": the dataset folder does not exist" + missing_dataset_hint(dir));
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const auto images = find_idx_file(dir, prefix + "-images-idx3-ubyte");
  const auto labels = find_idx_file(dir, prefix + "-labels-idx1-ubyte");
  if (!images || !labels)
    throw DataError(dir + ": missing " + prefix + (images ? "-labels-idx1-ubyte" : "-images-idx3-ubyte") +
                    "[.gz] (an MNIST-layout folder needs {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz])" +
                    missing_dataset_hint(dir));
  auto ds = load_idx(*images, labels);
  ds.name = normal_dir(dir).filename().string();
  return ds;
}

}  // namespace ncsn
