#include "ncsn/annealed_langevin_sampler.hpp"

#include <cmath>
#include <numeric>
#include <sstream>

#include <torch/torch.h>

#include "langevin_step_graph.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/fault_injection.hpp"

namespace ncsn {
namespace {

void check_finite(const torch::Tensor& x, const LangevinPosition& at) {
  if (torch::isfinite(x).all().item<bool>()) return;
  std::ostringstream msg;
  msg << "sampling diverged at level " << at.level + 1 << "/" << at.levels << " (sigma " << at.sigma
      << "): the samples hold NaN or Inf. Try a smaller step size (eps), or check the model.";
  throw NonFiniteError(msg.str());
}

}  // namespace

AnnealedLangevinSampler::AnnealedLangevinSampler(ScoreFunction score, torch::Tensor sigmas)
    : score_(std::move(score)), sigmas_(std::move(sigmas)) {
  if (!sigmas_.defined() || sigmas_.dim() != 1 || sigmas_.size(0) < 1) throw ConfigError("the sampler needs at least one noise level");
  auto cpu = sigmas_.to(torch::kCPU, torch::kDouble).contiguous();
  sigma_values_.assign(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel());
}

double AnnealedLangevinSampler::step_size(int64_t level, double step_lr) const {
  const double ratio = sigma_values_[level] / sigma_values_.back();
  return step_lr * ratio * ratio;
}

torch::Tensor AnnealedLangevinSampler::labels_for(const torch::Tensor& x, int64_t level) const {
  return torch::full({x.size(0)}, level, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
}

std::vector<int64_t> AnnealedLangevinSampler::all_levels() const {
  std::vector<int64_t> levels(sigma_values_.size());
  std::iota(levels.begin(), levels.end(), 0);
  return levels;
}

torch::Tensor AnnealedLangevinSampler::denoise(const torch::Tensor& x, int64_t level) const {
  c10::InferenceMode inference;
  const double s = sigma_values_.at(level);
  return x + (s * s) * score_(x, labels_for(x, level));
}

SampleResult AnnealedLangevinSampler::sample(int64_t batch, const std::vector<int64_t>& image_shape,
                                             const LangevinSettings& settings, const LangevinObserver& observer,
                                             JobControl* control) const {
  std::vector<int64_t> shape{batch};
  shape.insert(shape.end(), image_shape.begin(), image_shape.end());
  torch::manual_seed(settings.seed);
  auto init = torch::rand(shape, sigmas_.options().dtype(torch::kFloat));
  return sample_from(init, settings, observer, control);
}

SampleResult AnnealedLangevinSampler::sample_from(torch::Tensor init, const LangevinSettings& settings,
                                                  const LangevinObserver& observer, JobControl* control) const {
  return run(std::move(init), all_levels(), settings, observer, control, Constraint{});
}

SampleResult AnnealedLangevinSampler::plain_langevin(torch::Tensor init, int64_t level, const LangevinSettings& settings,
                                                     const LangevinObserver& observer, JobControl* control) const {
  if (level < 0) level = static_cast<int64_t>(sigma_values_.size()) - 1;
  if (level >= static_cast<int64_t>(sigma_values_.size())) throw ConfigError("noise level index out of range");
  return run(std::move(init), {level}, settings, observer, control, Constraint{});
}

SampleResult AnnealedLangevinSampler::inpaint(const torch::Tensor& image, const torch::Tensor& known_mask,
                                              const LangevinSettings& settings, const LangevinObserver& observer,
                                              JobControl* control) const {
  if (image.dim() != 4) throw ConfigError("inpainting expects images of shape [N, C, H, W]");
  if (known_mask.size(-1) != image.size(-1) || known_mask.size(-2) != image.size(-2)) {
    std::ostringstream msg;
    msg << "the mask is " << known_mask.size(-1) << "x" << known_mask.size(-2) << " but the image is "
        << image.size(-1) << "x" << image.size(-2);
    throw ConfigError(msg.str());
  }
  auto mask = known_mask.to(image.options()).expand_as(image);
  torch::manual_seed(settings.seed);
  auto init = torch::rand(image.sizes(), image.options());
  auto noisy_known = torch::empty_like(image);  // y = image + sigma_i z, drawn once per level
  Constraint known;
  known.begin_level = [&](int64_t level) { noisy_known.normal_().mul_(sigma_values_[level]).add_(image); };
  known.impose = [&](torch::Tensor& x) { x.lerp_(noisy_known, mask); };  // x where unknown, y where known
  auto result = run(std::move(init), all_levels(), settings, observer, control, known);
  c10::InferenceMode inference;
  result.samples = torch::lerp(result.samples, image, mask);  // known pixels come back exactly
  return result;
}

SampleResult AnnealedLangevinSampler::run(torch::Tensor x, const std::vector<int64_t>& levels,
                                          const LangevinSettings& settings, const LangevinObserver& observer,
                                          JobControl* control, const Constraint& constraint) const {
  if (settings.steps_per_level < 1) throw ConfigError("the number of steps per level T must be at least 1");
  if (!(settings.step_lr > 0)) throw ConfigError("the step size eps must be positive");
  c10::InferenceMode inference;  // no autograd bookkeeping anywhere in the chain
  torch::manual_seed(settings.seed + 1);  // the chain's noise, distinct from the initial state's
  SampleResult result;
  LangevinPosition at;
  at.levels = static_cast<int64_t>(sigma_values_.size());
  at.steps_per_level = settings.steps_per_level;
  at.total = static_cast<int64_t>(levels.size()) * settings.steps_per_level;
  // The chain updates its own copy in place, with one noise buffer refilled every step: no
  // per-step allocations and three passes over x instead of five. The level's label and step
  // sizes are tensors too, so that one captured step serves every level.
  x = x.clone();
  auto noise = torch::empty_like(x);
  auto labels = torch::empty({x.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  auto drift_scale = torch::empty({}, x.options()), noise_scale = torch::empty({}, x.options());
  LangevinStepGraph langevin_step(
      [&] {
        x.addcmul_(score_(x, labels), drift_scale).addcmul_(noise.normal_(), noise_scale);
        if (constraint.impose) constraint.impose(x);
      },
      x.device(), settings.cuda_graph);

  for (int64_t level : levels) {
    at.level = level;
    at.sigma = sigma_values_[level];
    at.step_size = step_size(level, settings.step_lr);
    labels.fill_(level);
    drift_scale.fill_(at.step_size);
    noise_scale.fill_(std::sqrt(2.0 * at.step_size));
    if (constraint.begin_level) {
      constraint.begin_level(level);
      constraint.impose(x);
    }
    for (at.step = 0; at.step < settings.steps_per_level; ++at.step) {
      if (control) {
        control->wait_while_paused();
        if (control->stop_now()) {
          result.samples = x;
          result.steps_done = at.done;
          return result;
        }
      }
      faults::hit(faults::kSamplerStep);
      langevin_step();
      ++at.done;
      if (observer && settings.frame_every > 0 && at.done % settings.frame_every == 0) observer(at, x);
    }
    check_finite(x, at);
    if (control && control->stop_request() == StopRequest::AfterLevel) {
      result.samples = x;
      result.steps_done = at.done;
      return result;
    }
  }
  if (settings.denoise_last) {
    const int64_t last = levels.back();
    x = x + (sigma_values_[last] * sigma_values_[last]) * score_(x, labels_for(x, last));
    if (constraint.impose) constraint.impose(x);
    check_finite(x, at);  // the extra step can overflow too; never hand back NaN/Inf samples
  }
  result.samples = x;
  result.completed = true;
  result.steps_done = at.done;
  return result;
}

}  // namespace ncsn
