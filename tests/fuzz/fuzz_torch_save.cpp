// Reference checkpoints written by Python's torch.save: the zip reader, the unpickler and the import.
// The input is tried twice: as the whole file, and as the data.pkl pickle inside an intact zip
// (so mutations reach the unpickler instead of stopping at the zip's CRC check).
#include <caffe2/serialize/inline_container.h>

#include "fuzz_support.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/torch_save_reader.hpp"

namespace {

void read_both_ways(const std::string& path) {
  ncsn::fuzz::expect_clean([&] { ncsn::read_torch_save(path); });
  ncsn::fuzz::expect_clean([&] { ncsn::import_reference_checkpoint(path, torch::kCPU); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  read_both_ways(ncsn::fuzz::write_input("reference.pth", data, size));

  // Storages "0" (2 floats) and "1" (6 floats), as in the seed corpus's pickle.
  const auto wrapped = (ncsn::fuzz::scratch_dir() / "archive.pth").string();
  {
    caffe2::serialize::PyTorchStreamWriter writer(wrapped);
    const float storage[6] = {0.5f, -0.25f, 1.f, 0.f, 1.f, 0.f};
    writer.writeRecord("data.pkl", data, size);
    writer.writeRecord("data/0", storage, 2 * sizeof(float));
    writer.writeRecord("data/1", storage, 6 * sizeof(float));
    writer.writeEndOfFile();
  }
  read_both_ways(wrapped);
  return 0;
}
