#pragma once
// In-memory image datasets and their loaders (IDX, CIFAR-10 binary). Image folders are in imageio/.
#include <cstdint>
#include <optional>
#include <string>

#include <torch/types.h>

namespace ncsn {

struct ImageDataset {
  torch::Tensor images;  // uint8 [N, C, H, W]; kept as bytes to save memory, converted per batch
  torch::Tensor labels;  // int64 [N]; -1 where the format has no labels
  std::string name;

  int64_t size() const { return images.defined() ? images.size(0) : 0; }
  int64_t channels() const { return images.size(1); }
  int64_t height() const { return images.size(2); }
  int64_t width() const { return images.size(3); }
  // Float batch with pixels in [0, 1], shape [n, C, H, W], on `device` (default: the images').
  // The bytes cross to the device and become floats there: a quarter of the traffic of floats.
  torch::Tensor batch(const torch::Tensor& indices, const std::optional<torch::Device>& device = std::nullopt) const;
};

// Float pixels in [0, 1] from uint8 ones, on the same device.
torch::Tensor bytes_to_unit_interval(const torch::Tensor& bytes);

// IDX (MNIST / Fashion-MNIST) images, gzip-compressed or raw; labels optional.
ImageDataset load_idx(const std::string& images_path, const std::optional<std::string>& labels_path = std::nullopt);

// CIFAR-10 binary batches (data_batch_1..5.bin for train, test_batch.bin for test) in `dir`.
enum class Split { Train, Test };
ImageDataset load_cifar10(const std::string& dir, Split split);

// The Debian package dataset-fashion-mnist, or an MNIST-layout folder holding
// {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].
std::string default_fashion_mnist_dir();
ImageDataset load_idx_folder(const std::string& dir, Split split);

// The whole content of a data file; DataError naming the file when it is missing, a directory or unreadable.
std::string read_data_file(const std::string& path);

}  // namespace ncsn
