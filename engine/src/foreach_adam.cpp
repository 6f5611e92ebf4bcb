#include "ncsn/foreach_adam.hpp"

#include <cmath>
#include <vector>

#include "adam_state.hpp"

namespace ncsn {
namespace {

// The parameter's state, created at step 0 on first use as torch::optim::Adam does.
torch::optim::AdamParamState& state_of(torch::optim::Optimizer& optimizer, const torch::Tensor& p) {
  auto& slot = optimizer.state()[detail::state_key<detail::AdamStateKey>(p)];
  if (!slot) {
    auto state = std::make_unique<torch::optim::AdamParamState>();
    state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    slot = std::move(state);
  }
  return static_cast<torch::optim::AdamParamState&>(*slot);
}

}  // namespace

torch::Tensor ForeachAdam::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    TORCH_CHECK(!o.amsgrad(), "ForeachAdam does not implement AMSGrad");
    const auto [beta1, beta2] = o.betas();
    std::vector<torch::Tensor> params, grads, avgs, squares;
    std::vector<c10::Scalar> root_bias2, step_sizes;  // per parameter: steps may differ
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& s = state_of(*this, p);
      s.step(s.step() + 1);
      const double bias1 = 1 - std::pow(beta1, s.step()), bias2 = 1 - std::pow(beta2, s.step());
      params.push_back(p);
      grads.push_back(o.weight_decay() != 0 ? p.grad().add(p, o.weight_decay()) : p.grad());
      avgs.push_back(s.exp_avg());
      squares.push_back(s.exp_avg_sq());
      root_bias2.emplace_back(std::sqrt(bias2));
      step_sizes.emplace_back(-o.lr() / bias1);
    }
    if (params.empty()) continue;
    at::_foreach_mul_(avgs, beta1);
    at::_foreach_add_(avgs, grads, 1 - beta1);
    at::_foreach_mul_(squares, beta2);
    at::_foreach_addcmul_(squares, grads, grads, 1 - beta2);
    auto denominators = at::_foreach_sqrt(squares);
    at::_foreach_div_(denominators, root_bias2);
    at::_foreach_add_(denominators, o.eps());
    at::_foreach_addcdiv_(params, avgs, denominators, step_sizes);
  }
  return loss;
}

}  // namespace ncsn
