#include "ncsn/tensor_fingerprint.hpp"

#include <cstdio>

namespace ncsn {
namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ull, kFnvPrime = 1099511628211ull;

void mix(uint64_t& h, const void* data, size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * kFnvPrime;
}

}  // namespace

std::string tensor_fingerprint(const std::vector<torch::Tensor>& tensors) {
  uint64_t h = kFnvOffset;
  for (const auto& t : tensors) {
    const auto c = t.detach().to(torch::kCPU).contiguous();
    const auto type = static_cast<int>(c.scalar_type());
    mix(h, &type, sizeof type);
    for (const auto size : c.sizes()) mix(h, &size, sizeof size);
    mix(h, c.data_ptr(), c.nbytes());
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace ncsn
