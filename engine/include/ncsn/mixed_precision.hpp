#pragma once
// Mixed-precision training: autocast of the score network's forward pass to bfloat16 or float16
// (as torch.autocast does), with float32 weights, optimizer and loss.
#include <string>

#include <nlohmann/json_fwd.hpp>
#include <torch/types.h>

namespace ncsn {

enum class MixedPrecision { Off, BFloat16, Float16 };

std::string to_string(MixedPrecision precision);  // "off", "bf16", "fp16"
// Throws ConfigError naming the accepted values.
MixedPrecision parse_mixed_precision(const std::string& name);
// JSON: the names above; an unknown one throws ConfigError, as parse_mixed_precision does.
void to_json(nlohmann::json& j, MixedPrecision precision);
void from_json(const nlohmann::json& j, MixedPrecision& precision);
// Float16 autocast exists for CUDA only (LibTorch's CPU autocast is bfloat16); throws ConfigError.
void check_mixed_precision(MixedPrecision precision, const torch::Device& device);

// Whether autocast is on for this device type in this thread (LibTorch 1.13 and 2.x).
bool autocast_enabled(torch::DeviceType type);

// Autocast on for the device's type, in this thread, for the guard's lifetime; nothing when Off.
class AutocastGuard {
 public:
  AutocastGuard(MixedPrecision precision, const torch::Device& device);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  torch::DeviceType device_type_;
  bool was_enabled_ = false;
  torch::ScalarType was_dtype_ = torch::kFloat;
};

}  // namespace ncsn
