#include "ncsn/noise_schedule.hpp"

#include <cmath>

#include <torch/torch.h>

#include "ncsn/errors.hpp"

namespace ncsn {

torch::Tensor geometric_sigmas(double sigma_begin, double sigma_end, int64_t levels) {
  if (!(sigma_begin > 0) || !(sigma_end > 0))
    throw ConfigError("noise levels must be positive (got sigma_1=" + std::to_string(sigma_begin) +
                      ", sigma_L=" + std::to_string(sigma_end) + ")");
  if (levels < 1) throw ConfigError("the number of noise levels L must be at least 1");
  // Computed in double and rounded once, like the reference's numpy -> float conversion.
  auto logs = torch::linspace(std::log(sigma_begin), std::log(sigma_end), levels, torch::kDouble);
  return logs.exp().to(torch::kFloat);
}

}  // namespace ncsn
