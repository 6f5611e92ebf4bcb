#pragma once
// Choosing and loading a dataset by kind and path, as the CLI and the studio do.
#include <string>

#include "ncsn/image_dataset.hpp"

namespace ncsn {

enum class DatasetKind { FashionMnist, Mnist, Cifar10, ImageFolder };

struct DatasetSource {
  DatasetKind kind = DatasetKind::FashionMnist;
  std::string path;          // empty for the embedded Fashion-MNIST
  int64_t image_size = 32;   // image folders only: centre-crop then resize to this
  int64_t center_crop = 140; // image folders only (CelebA convention); 0 = largest centred square

  static DatasetSource parse(const std::string& kind_name, const std::string& path);
  std::string kind_name() const;
  bool random_flip_by_default() const;  // CIFAR-10 and image folders, as in the reference
};

ImageDataset load_dataset(const DatasetSource& source, Split split);

// Every image file directly in `dir` (png, jpg, jpeg, bmp, webp, tif), sorted by name,
// centre-cropped and resized with area interpolation. channels 3 (RGB) or 1.
ImageDataset load_image_folder(const std::string& dir, int64_t image_size, int64_t center_crop, int64_t channels = 3);

}  // namespace ncsn
