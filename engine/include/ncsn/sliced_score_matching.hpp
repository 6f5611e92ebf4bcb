#pragma once
// Sliced score matching (Song et al. 2019), the objective of the paper's section 2.1.
#include <functional>

#include <torch/torch.h>

namespace ncsn {

// Variance-reduced SSM for a network that outputs the score s(x) directly:
//   E_v[ v^T (ds/dx) v ] + 1/2 ||s(x)||^2, with Gaussian projections v.
// samples: [N, D]. Returns the scalar mean loss, differentiable w.r.t. the network.
torch::Tensor sliced_score_matching_vr(const std::function<torch::Tensor(const torch::Tensor&)>& score,
                                       const torch::Tensor& samples, int64_t n_particles = 1);

// Plain SSM with unit-norm projections: E_v[ v^T (ds/dx) v + 1/2 (v^T s(x))^2 ].
torch::Tensor sliced_score_matching(const std::function<torch::Tensor(const torch::Tensor&)>& score,
                                    const torch::Tensor& samples, int64_t n_particles = 1);

}  // namespace ncsn
