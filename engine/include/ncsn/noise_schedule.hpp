#pragma once
// The geometric sequence of noise levels sigma_1 > ... > sigma_L (paper section 4.2).
#include <torch/types.h>

namespace ncsn {

// exp(linspace(log sigma_begin, log sigma_end, levels)), float32, as the reference computes it.
torch::Tensor geometric_sigmas(double sigma_begin, double sigma_end, int64_t levels);

}  // namespace ncsn
