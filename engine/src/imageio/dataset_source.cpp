#include "ncsn/imageio/dataset_source.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "cv_image.hpp"
#include "file_extension.hpp"
#include "ncsn/atomic_file.hpp"
#include "ncsn/errors.hpp"

namespace fs = std::filesystem;

namespace ncsn {
namespace {

struct KindName {
  DatasetKind kind;
  const char* name;
};
constexpr std::array<KindName, 4> kKinds{{{DatasetKind::FashionMnist, "fashion-mnist"},
                                          {DatasetKind::Mnist, "mnist"},
                                          {DatasetKind::Cifar10, "cifar10"},
                                          {DatasetKind::ImageFolder, "folder"}}};
constexpr std::array<const char*, 7> kImageExtensions{".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"};

std::string valid_kinds() {
  std::string s;
  for (const auto& k : kKinds) s += (s.empty() ? "" : ", ") + std::string(k.name);
  return s;
}

bool is_image_file_name(const fs::path& p) {
  const std::string ext = detail::lowercase_extension(p);
  return std::find(kImageExtensions.begin(), kImageExtensions.end(), ext) != kImageExtensions.end() &&
         !is_temp_file_name(p.filename().string());
}

// Image files directly in `dir`, sorted by name so the order (and the test split) is reproducible.
std::vector<fs::path> list_image_files(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DataError(dir + ": the image folder does not exist");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec) && is_image_file_name(entry.path())) files.push_back(entry.path());
  if (ec) throw DataError(dir + ": cannot list the folder (" + ec.message() + ")");
  if (files.empty()) throw DataError(dir + ": no images (png, jpg, jpeg, bmp, webp, tif, tiff) in the folder");
  std::sort(files.begin(), files.end());
  return files;
}

// Centre crop to `crop` (or the largest centred square), then area-resize to size x size.
cv::Mat crop_and_resize(const cv::Mat& image, int64_t crop, int64_t size) {
  const int shortest = std::min(image.rows, image.cols);
  const int side = (crop == 0 || crop > shortest) ? shortest : static_cast<int>(crop);
  const cv::Rect box((image.cols - side) / 2, (image.rows - side) / 2, side, side);
  cv::Mat out;
  cv::resize(image(box), out, cv::Size(static_cast<int>(size), static_cast<int>(size)), 0, 0, cv::INTER_AREA);
  return out;
}

std::string folder_name(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  return (p.has_filename() ? p : p.parent_path()).filename().string();
}

ImageDataset decode_files(const std::vector<fs::path>& files, const std::string& name, int64_t image_size,
                          int64_t center_crop, int64_t channels) {
  if (image_size <= 0) throw ConfigError("the image size must be positive, not " + std::to_string(image_size));
  if (center_crop < 0) throw ConfigError("the centre crop must be 0 (largest square) or positive, not " + std::to_string(center_crop));
  const auto n = static_cast<int64_t>(files.size());
  ImageDataset ds{torch::empty({n, channels, image_size, image_size}, torch::kUInt8), torch::full({n}, -1, torch::kLong), name};
  for (int64_t i = 0; i < n; ++i)
    ds.images[i].copy_(detail::mat_to_chw(crop_and_resize(detail::decode_image(files[i].string(), channels), center_crop, image_size)));
  return ds;
}

// The folder's train/ and test/ subfolders if it has both, else the last 5% of its files as test.
ImageDataset load_folder_split(const DatasetSource& source, Split split) {
  const fs::path root(source.path);
  std::error_code ec;
  if (fs::is_directory(root / "train", ec) && fs::is_directory(root / "test", ec)) {
    const fs::path sub = root / (split == Split::Train ? "train" : "test");
    return decode_files(list_image_files(sub.string()), folder_name(source.path), source.image_size, source.center_crop, 3);
  }
  auto files = list_image_files(source.path);
  const size_t n = files.size();
  const size_t n_test = n >= 2 ? std::max<size_t>(1, n / 20) : 0;
  if (split == Split::Test && n_test == 0)
    throw DataError(source.path + ": a single image is too few to hold out a test split");
  const auto cut = files.begin() + static_cast<std::ptrdiff_t>(n - n_test);
  files = split == Split::Train ? std::vector<fs::path>(files.begin(), cut) : std::vector<fs::path>(cut, files.end());
  return decode_files(files, folder_name(source.path), source.image_size, source.center_crop, 3);
}

}  // namespace

DatasetSource DatasetSource::parse(const std::string& kind_name, const std::string& path) {
  const std::string wanted = kind_name.empty() ? "fashion-mnist" : kind_name;
  const auto it = std::find_if(kKinds.begin(), kKinds.end(), [&](const KindName& k) { return wanted == k.name; });
  if (it == kKinds.end()) throw ConfigError("unknown dataset kind '" + kind_name + "'; valid kinds: " + valid_kinds());
  if (it->kind != DatasetKind::FashionMnist && path.empty())
    throw ConfigError("the dataset kind '" + wanted + "' needs the path of its folder");
  DatasetSource source;
  source.kind = it->kind;
  source.path = path;
  return source;
}

std::string DatasetSource::kind_name() const {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "unknown";
}

bool DatasetSource::random_flip_by_default() const {
  return kind == DatasetKind::Cifar10 || kind == DatasetKind::ImageFolder;
}

ImageDataset load_dataset(const DatasetSource& source, Split split) {
  switch (source.kind) {
    case DatasetKind::FashionMnist: {
      auto ds = load_idx_folder(source.path.empty() ? default_fashion_mnist_dir() : source.path, split);
      ds.name = source.kind_name();
      return ds;
    }
    case DatasetKind::Mnist: {
      auto ds = load_idx_folder(source.path, split);
      ds.name = source.kind_name();
      return ds;
    }
    case DatasetKind::Cifar10:
      return load_cifar10(source.path, split);
    case DatasetKind::ImageFolder:
      return load_folder_split(source, split);
  }
  throw ConfigError("unknown dataset kind");
}

ImageDataset load_image_folder(const std::string& dir, int64_t image_size, int64_t center_crop, int64_t channels) {
  return decode_files(list_image_files(dir), folder_name(dir), image_size, center_crop, channels);
}

}  // namespace ncsn
