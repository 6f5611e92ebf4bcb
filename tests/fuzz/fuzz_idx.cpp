// IDX images (raw or gzip) and labels: load_idx must return a consistent dataset or throw DataError.
#include "fuzz_support.hpp"
#include "ncsn/image_dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ncsn::fuzz::write_input("images-idx3-ubyte", data, size);
  ncsn::fuzz::expect_clean([&] {
    const auto ds = ncsn::load_idx(path);
    if (ds.images.dim() != 4 || ds.labels.size(0) != ds.size()) __builtin_trap();
  });
  // The same bytes as a labels file next to a one-image set: the labels header parser.
  static const std::string one_image = [] {
    const uint8_t idx[] = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 42};
    return ncsn::fuzz::write_input("one-image", idx, sizeof idx);
  }();
  ncsn::fuzz::expect_clean([&] { ncsn::load_idx(one_image, path); });
  return 0;
}
