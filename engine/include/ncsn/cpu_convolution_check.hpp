#pragma once
// A check, once per process, that LibTorch's oneDNN convolutions compute forward passes and
// gradients correctly, before the engine first hands a CPU convolution to LibTorch (training,
// autocast, or shapes that OneDnnConvolution does not take). Debian 13's
// LibTorch 2.6, built against oneDNN 3.7, does not: its blocked layouts round channels up to 16
// and its gradient kernels read that padding without writing it, so whatever the allocator hands
// back, NaN included, ends up in the input gradients of most layers (training diverged at its
// second step). Where the check fails, LibTorch's own convolution kernels take over for the rest
// of the process: slower on the CPU, but right. Sampling keeps the engine's own oneDNN path
// (OneDnnConvolution), which was right there.
#include <string>

#include <c10/core/Device.h>

namespace ncsn {

// True when LibTorch's oneDNN convolutions agreed with a float64 computation (or LibTorch has no
// oneDNN); false when they did not and were turned off. Thread-safe; the check runs once.
bool ensure_sound_cpu_convolutions();

// What the front ends say before training on `device`: empty unless it is the CPU and the check
// (which this runs) failed.
std::string cpu_convolution_notice(const c10::Device& device);

// Frees blocks full of NaN, so that a kernel reading memory it never wrote finds NaN there instead
// of the zeros of fresh pages, and shows it in a check rather than in a training run.
void leave_nan_in_freed_memory();

}  // namespace ncsn
