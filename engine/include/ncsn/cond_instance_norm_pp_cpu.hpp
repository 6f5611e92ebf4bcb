#pragma once
// CondInstanceNorm++ for CPU inference as one kernel: three passes over channels-last float32
// activations (channel sums, centred squares, then scale and shift) in place of the fifteen
// LibTorch operators of the module's own forward. At batch 1 their dispatch and their threads'
// fork and join cost more than the arithmetic, and more with two threads than with one
// (docs/benchmarks.md). The statistics are accumulated in double.
#include <torch/torch.h>

namespace ncsn {

// Whether the kernel takes these: one image of float32 channels-last CPU activations, at most
// 128 x 32 x 32 values (batch 1, the case it was measured faster in), and float32 CPU
// coefficients, with no autograd to record (no-grad or inference mode).
bool cond_instance_norm_pp_cpu_applies(const torch::Tensor& x, const torch::Tensor& embed);

// x: [N, C, H, W], channels-last float32, any size; labels: int64 [N], each in [0, L); embed:
// [L, 3C] float32, each row gamma | alpha | beta. Outside autograd only. Returns the activations
// normalised, channels-last.
torch::Tensor cond_instance_norm_pp_cpu(const torch::Tensor& x, const torch::Tensor& labels, const torch::Tensor& embed,
                                        double eps);

}  // namespace ncsn
