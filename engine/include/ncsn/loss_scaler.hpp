#pragma once
// Dynamic loss scaling for float16 training, as torch.cuda.amp.GradScaler does it: the loss is
// multiplied by a large scale so that small gradients survive float16, the gradients are divided
// by it again before the optimizer step, and a step whose gradients overflowed is skipped with
// the scale halved; after `growth_interval` clean steps in a row the scale doubles.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

namespace ncsn {

class LossScaler {
 public:
  explicit LossScaler(double initial_scale = 65536.0, int64_t growth_interval = 2000);

  double scale() const { return scale_; }
  // Divides every defined gradient by the scale; true when any of them holds Inf or NaN
  // (then the caller skips the optimizer step). One host synchronisation.
  bool unscale(const std::vector<torch::Tensor>& params) const;
  // After each step: halves the scale on overflow, doubles it after growth_interval clean steps.
  void update(bool overflowed);

  // The state a checkpoint keeps, so that a resumed run continues with the same scale.
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  double scale_;
  int64_t growth_interval_;
  int64_t clean_steps_ = 0;
};

}  // namespace ncsn
