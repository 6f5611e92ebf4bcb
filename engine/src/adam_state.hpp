#pragma once
// Reads the Adam state that torch::optim::Adam::save wrote, under any LibTorch version
// (engine-internal). LibTorch keys each parameter's state by its TensorImpl address as text:
// 1.13 writes it in hex, 2.x in decimal and reads it back with stoull, which turns every hex key
// into 0, so 2.x's own Optimizer::load silently mixes up a 1.13 run's moments. The keys are only
// names: the parameter order of the saved group gives each state its parameter.
#include <sstream>
#include <string>
#include <type_traits>

#include <torch/torch.h>

namespace ncsn::detail {

// The key this LibTorch build uses for a parameter's optimizer state: text in 1.13, the address
// in 2.x. Key is the state map's key type.
template <typename Key>
Key state_key(const torch::Tensor& parameter) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;  // as c10::guts::to_string printed it (gone in 2.x)
    text << static_cast<const void*>(parameter.unsafeGetTensorImpl());
    return text.str();
  } else {
    return static_cast<Key>(parameter.unsafeGetTensorImpl());
  }
}
using AdamStateKey = std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;

// Throws std::runtime_error (c10::Error) when the archive is not an Adam state for these parameters.
void load_adam_state(torch::serialize::InputArchive& archive, torch::optim::Optimizer& adam);

}  // namespace ncsn::detail
