#include "ncsn/loss_scaler.hpp"

#include <torch/torch.h>

#include "gradients.hpp"

namespace ncsn {

LossScaler::LossScaler(double initial_scale, int64_t growth_interval)
    : scale_(initial_scale), growth_interval_(growth_interval) {}

bool LossScaler::unscale(const std::vector<torch::Tensor>& params) const {
  torch::NoGradGuard no_grad;
  auto grads = detail::defined_gradients(params);
  if (grads.empty()) return false;
  // Multi-tensor kernels, as for Adam: a gradient's norm is Inf or NaN exactly when one of its
  // entries is (or when it is beyond float's range, which is no usable step either).
  at::_foreach_mul_(grads, 1.0 / scale_);
  return !torch::stack(at::_foreach_norm(grads)).isfinite().all().item<bool>();
}

void LossScaler::update(bool overflowed) {
  if (overflowed) {
    scale_ *= 0.5;
    clean_steps_ = 0;
  } else if (++clean_steps_ == growth_interval_) {
    scale_ *= 2.0;
    clean_steps_ = 0;
  }
}

nlohmann::json LossScaler::state() const { return {{"scale", scale_}, {"clean_steps", clean_steps_}}; }

void LossScaler::restore(const nlohmann::json& state) {
  scale_ = state.value("scale", scale_);
  clean_steps_ = state.value("clean_steps", clean_steps_);
}

}  // namespace ncsn
