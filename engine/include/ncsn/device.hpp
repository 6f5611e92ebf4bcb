#pragma once
// Device choice shared by the CLI and the studio: "cpu", "cuda", "cuda:N" or "auto".
#include <string>

#include <torch/types.h>

namespace ncsn {

// "auto" picks CUDA when a device is present. Throws ConfigError for an unknown name or when
// CUDA is asked for but absent (CPU-only LibTorch, or no GPU). Choosing CUDA turns on cuDNN's
// algorithm autotuning.
torch::Device select_device(const std::string& name);

// Intra-op threads for CPU work; 0 uses every core (Debian's LibTorch otherwise uses one).
// Returns the count in effect. The front ends' default is use_free_cpu_cores() instead.
int set_cpu_threads(int threads);

std::string describe_device(const torch::Device& device);  // e.g. "CPU (2 threads)" or "CUDA:0 NVIDIA H100"

}  // namespace ncsn
