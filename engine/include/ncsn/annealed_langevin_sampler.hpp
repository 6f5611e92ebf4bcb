#pragma once
// Annealed Langevin dynamics (paper Alg. 1), inpainting (Alg. 2), the single-level baseline
// and one-step denoising. Step convention of the reference code:
//   alpha_i = eps * sigma_i^2 / sigma_L^2,   x <- x + alpha_i s(x, i) + sqrt(2 alpha_i) z
// The paper writes x + (a/2) s + sqrt(a) z, so a paper step size a is twice the eps used here.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "ncsn/job_control.hpp"
#include "ncsn/score_function.hpp"

namespace ncsn {

struct LangevinSettings {
  double step_lr = 2e-5;          // eps in the reference convention (above)
  int64_t steps_per_level = 100;  // T
  bool denoise_last = false;      // finish with x + sigma_L^2 s(x, L)
  uint64_t seed = 0;
  int64_t frame_every = 0;        // call the observer every this many steps (0: never)
  bool cuda_graph = true;         // on a GPU, replay each step from a CUDA graph (no effect elsewhere)
};

// Where a chain is: level in [0, levels), step in [0, steps_per_level).
struct LangevinPosition {
  int64_t level = 0, levels = 0;
  int64_t step = 0, steps_per_level = 0;
  int64_t done = 0, total = 0;  // steps done and planned over the whole run
  double sigma = 0, step_size = 0;
};

// Receives the (unclamped) state on its device. Must return quickly: the chain waits for it.
// The chain then updates that tensor in place: copy what must outlive the call.
using LangevinObserver = std::function<void(const LangevinPosition&, const torch::Tensor& x)>;

struct SampleResult {
  torch::Tensor samples;  // unclamped; clamp only what is shown or saved
  bool completed = false; // false when stopped early; samples then hold the last state
  int64_t steps_done = 0;
};

class AnnealedLangevinSampler {
 public:
  // sigmas: float [L], largest first, on the device the score function runs on.
  AnnealedLangevinSampler(ScoreFunction score, torch::Tensor sigmas);

  // Starts from uniform noise U[0,1) of shape [batch, ...image_shape], drawn from `seed`.
  SampleResult sample(int64_t batch, const std::vector<int64_t>& image_shape, const LangevinSettings& settings,
                      const LangevinObserver& observer = {}, JobControl* control = nullptr) const;
  SampleResult sample_from(torch::Tensor init, const LangevinSettings& settings, const LangevinObserver& observer = {},
                           JobControl* control = nullptr) const;

  // Alg. 2: image [N, C, H, W] in [0, 1]; known_mask broadcastable to it, 1 = known pixel.
  // Known pixels are re-imposed as image + sigma_i z after every step, and exactly at the end.
  SampleResult inpaint(const torch::Tensor& image, const torch::Tensor& known_mask, const LangevinSettings& settings,
                       const LangevinObserver& observer = {}, JobControl* control = nullptr) const;

  // The paper's failing baseline: plain Langevin at a single level (default: the smallest sigma).
  SampleResult plain_langevin(torch::Tensor init, int64_t level, const LangevinSettings& settings,
                              const LangevinObserver& observer = {}, JobControl* control = nullptr) const;

  // Tweedie-style one-step denoiser x + sigma_i^2 s(x, i).
  torch::Tensor denoise(const torch::Tensor& x, int64_t level) const;

  double step_size(int64_t level, double step_lr) const;
  const torch::Tensor& sigmas() const { return sigmas_; }

 private:
  // What inpainting imposes on the chain: drawn at each level's start, then applied in place at
  // that start and after every step.
  struct Constraint {
    std::function<void(int64_t level)> begin_level;
    std::function<void(torch::Tensor& x)> impose;
  };
  SampleResult run(torch::Tensor x, const std::vector<int64_t>& levels, const LangevinSettings& settings,
                   const LangevinObserver& observer, JobControl* control, const Constraint& constraint) const;
  torch::Tensor labels_for(const torch::Tensor& x, int64_t level) const;
  std::vector<int64_t> all_levels() const;

  ScoreFunction score_;
  torch::Tensor sigmas_;
  std::vector<double> sigma_values_;
};

}  // namespace ncsn
