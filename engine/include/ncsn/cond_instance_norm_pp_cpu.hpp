#pragma once
// CondInstanceNorm++ for CPU inference as one kernel: three passes over channels-last float32
// activations (channel sums, centred squares, then scale and shift, optionally followed by the ELU
// that most of the network's normalisations feed) in place of the fifteen LibTorch operators of
// the module's own forward and the ELU's own pass (docs/benchmarks.md). The statistics are summed
// in float over short runs of pixels and carried in double. The loops are built twice, for the
// baseline x86-64 that the engine targets and for AVX2 with FMA, and the CPU picks.
#include <string>

#include <torch/torch.h>

namespace ncsn {

// Which build of the kernel's loops runs.
enum class CpuVectorIsa { Baseline, Avx2Fma };

// The best this CPU can run.
CpuVectorIsa best_cpu_vector_isa();
std::string to_string(CpuVectorIsa isa);

// Whether the kernel takes these at all: float32 channels-last CPU activations and float32 CPU
// coefficients, with no autograd to record (no-grad or inference mode).
bool cond_instance_norm_pp_cpu_takes(const torch::Tensor& x, const torch::Tensor& embed);

// Whether the module runs it: where it takes them and was measured faster, that is for one image
// on any CPU and for batches where it runs the AVX2 build.
bool cond_instance_norm_pp_cpu_applies(const torch::Tensor& x, const torch::Tensor& embed);

// x: [N, C, H, W], channels-last float32; labels: int64 [N], each in [0, L); embed: [L, 3C]
// float32, each row gamma | alpha | beta. Outside autograd only. Returns the activations
// normalised (then passed through ELU with alpha 1 if then_elu), channels-last. isa: the loops to
// run, by default the best this CPU has (tests run each it can).
torch::Tensor cond_instance_norm_pp_cpu(const torch::Tensor& x, const torch::Tensor& labels, const torch::Tensor& embed,
                                        double eps, bool then_elu = false,
                                        CpuVectorIsa isa = best_cpu_vector_isa());

}  // namespace ncsn
