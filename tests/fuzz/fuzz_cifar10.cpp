// A CIFAR-10 binary batch: load_cifar10 must return [N, 3, 32, 32] images or throw DataError.
#include "fuzz_support.hpp"
#include "ncsn/image_dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ncsn::fuzz::write_input("test_batch.bin", data, size);
  ncsn::fuzz::expect_clean([&] {
    const auto ds = ncsn::load_cifar10(ncsn::fuzz::scratch_dir().string(), ncsn::Split::Test);
    if (ds.images.size(1) != 3 || ds.images.size(2) != 32 || ds.labels.size(0) != ds.size()) __builtin_trap();
  });
  return 0;
}
