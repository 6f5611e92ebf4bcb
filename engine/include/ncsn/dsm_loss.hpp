#pragma once
// Denoising score matching over all noise levels (paper eq. 5-6) with lambda(sigma) = sigma^anneal_power.
#include <torch/types.h>

#include "ncsn/score_function.hpp"

namespace ncsn {

// Per-example loss 1/2 || s(x~, i) + (x~ - x)/sigma_i^2 ||^2 * sigma_i^p, summed over pixels,
// with x~ = x + sigma_i z. x: [N, ...]; labels: int64 [N]; sigmas: float [L] on x's device.
// Draws z from the current torch generator.
torch::Tensor dsm_loss_per_example(const ScoreFunction& score, const torch::Tensor& x, const torch::Tensor& labels,
                                   const torch::Tensor& sigmas, double anneal_power = 2.0);
// The same with z given (standard normal, x's shape), so that a batch split into parts has the
// loss of the whole batch.
torch::Tensor dsm_loss_per_example(const ScoreFunction& score, const torch::Tensor& x, const torch::Tensor& labels,
                                   const torch::Tensor& z, const torch::Tensor& sigmas, double anneal_power);

// The training objective: the batch mean of the per-example loss, random levels drawn uniformly.
torch::Tensor dsm_loss(const ScoreFunction& score, const torch::Tensor& x, const torch::Tensor& sigmas,
                       double anneal_power = 2.0);

// The reference's uniform dequantisation of 8-bit images in [0, 1]: x * 255/256 + U(0, 1/256).
torch::Tensor uniform_dequantize(const torch::Tensor& x);

// Mean loss of each level present in the batch (NaN for absent ones): [L], on the CPU, detached.
torch::Tensor per_level_mean(const torch::Tensor& per_example, const torch::Tensor& labels, int64_t levels);
// The same in two halves, so that totals from several processes can be summed first: each level's
// summed loss and example count, [2, L] double on the CPU; and the means from those totals.
torch::Tensor per_level_totals(const torch::Tensor& per_example, const torch::Tensor& labels, int64_t levels);
torch::Tensor level_means(const torch::Tensor& totals);

}  // namespace ncsn
