// Reference checkpoints written by Python's torch.save: the unpickler and the import.
#include "fuzz_support.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/torch_save_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ncsn::fuzz::write_input("reference.pth", data, size);
  ncsn::fuzz::expect_clean([&] { ncsn::read_torch_save(path); });
  ncsn::fuzz::expect_clean([&] { ncsn::import_reference_checkpoint(path, torch::kCPU); });
  return 0;
}
