// Checkpoints in the studio's own format: metadata and model loading must succeed or throw DataError.
#include "fuzz_support.hpp"
#include "ncsn/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ncsn::fuzz::write_input("checkpoint_1.ncsn", data, size);
  ncsn::fuzz::expect_clean([&] { ncsn::read_checkpoint_meta(path); });
  ncsn::fuzz::expect_clean([&] { ncsn::load_model(path, torch::kCPU); });
  return 0;
}
