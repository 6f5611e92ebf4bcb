#pragma once
// A reader for files written by Python's torch.save (zip + pickle protocol 2-4), enough for
// state dicts and optimizer states. LibTorch's own unpickler turns OrderedDict into None, so
// reference checkpoints need this. Every read is bounds-checked: corrupt input -> DataError.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace ncsn {

struct PickleValue {
  enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Tensor, Global, Opaque };
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;  // String; "module.name" for Global
  std::shared_ptr<std::vector<PickleValue>> items;                              // Tuple, List
  std::shared_ptr<std::vector<std::pair<PickleValue, PickleValue>>> entries;    // Dict (insertion order)
  torch::Tensor tensor;

  bool is(Kind k) const { return kind == k; }
};

// Unpickles "data.pkl" of a torch.save zip archive, materialising tensors from its records.
PickleValue read_torch_save(const std::string& path);

}  // namespace ncsn
