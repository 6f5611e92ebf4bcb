#pragma once
// A short hash of a network's weights, to tell whether two scores were measured with the same
// classifier (a file name says nothing once a file is replaced).
#include <string>
#include <vector>

#include <torch/torch.h>

namespace ncsn {

// 64-bit FNV-1a over the shapes, types and bytes of `tensors`, in order, as 16 hex digits.
std::string tensor_fingerprint(const std::vector<torch::Tensor>& tensors);

}  // namespace ncsn
