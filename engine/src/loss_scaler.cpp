#include "ncsn/loss_scaler.hpp"

#include <torch/torch.h>

namespace ncsn {

LossScaler::LossScaler(double initial_scale, int64_t growth_interval)
    : scale_(initial_scale), growth_interval_(growth_interval) {}

bool LossScaler::unscale(const std::vector<torch::Tensor>& params) const {
  torch::NoGradGuard no_grad;
  torch::Tensor finite;
  for (const auto& p : params) {
    auto g = p.grad();
    if (!g.defined()) continue;
    g.mul_(1.0 / scale_);
    auto ok = g.isfinite().all();
    finite = finite.defined() ? finite.logical_and(ok) : ok;
  }
  return finite.defined() && !finite.item<bool>();
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
