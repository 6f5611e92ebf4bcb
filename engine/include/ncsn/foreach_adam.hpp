#pragma once
// LibTorch's Adam computed with multi-tensor (_foreach) kernels, as PyTorch's own Adam does on
// CUDA by default: a handful of launches per step instead of about ten per parameter. The same
// arithmetic, state and serialisation as torch::optim::Adam.
#include <torch/torch.h>

namespace ncsn {

class ForeachAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace ncsn
