#pragma once
// Reads the Adam state that torch::optim::Adam::save wrote, under any LibTorch version
// (engine-internal). LibTorch keys each parameter's state by its TensorImpl address as text:
// 1.13 writes it in hex, 2.x in decimal and reads it back with stoull, which turns every hex key
// into 0, so 2.x's own Optimizer::load silently mixes up a 1.13 run's moments. The keys are only
// names: the parameter order of the saved group gives each state its parameter.
#include <torch/torch.h>

namespace ncsn::detail {

// Throws std::runtime_error (c10::Error) when the archive is not an Adam state for these parameters.
void load_adam_state(torch::serialize::InputArchive& archive, torch::optim::Optimizer& adam);

}  // namespace ncsn::detail
