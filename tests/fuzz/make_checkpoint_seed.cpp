// Writes the seed of fuzz_checkpoint: a real archive in the studio's format, with metadata for a
// tiny model but without weight records (a full checkpoint is ~0.5 MB, too big to fuzz quickly).
// run-fuzz.sh writes it into the scratch corpus, so no binary seed is committed.
#include <iostream>

#include <torch/torch.h>

#include "ncsn/checkpoint.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_checkpoint_seed OUT.ncsn\n";
    return 2;
  }
  ncsn::CheckpointMeta meta;
  meta.model.ngf = 2;
  meta.model.num_classes = 2;
  meta.model.image_size = 8;
  meta.step = 1;
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(ncsn::kCheckpointFormat)));
  archive.write("version", c10::IValue(ncsn::kCheckpointVersion));
  archive.write("meta", c10::IValue(nlohmann::json(meta).dump()));
  archive.write("scale", torch::ones({2}));  // one tensor record, as weights have
  archive.save_to(argv[1]);
  return 0;
}
