#include "ncsn/mixed_precision.hpp"

#include <ATen/autocast_mode.h>
#include <nlohmann/json.hpp>
#include <torch/version.h>

#include "ncsn/errors.hpp"

// LibTorch 2.4 replaced the per-device autocast switches with ones taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define NCSN_AUTOCAST_BY_DEVICE_TYPE 1
#endif

namespace ncsn {

namespace {

torch::ScalarType autocast_dtype(torch::DeviceType type) {
#ifdef NCSN_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::get_autocast_dtype(type);
#else
  return type == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void set_autocast(torch::DeviceType type, bool enabled, torch::ScalarType dtype) {
#ifdef NCSN_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_dtype(type, dtype);
  at::autocast::set_autocast_enabled(type, enabled);
#else
  if (type == torch::kCUDA) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}

}  // namespace

bool autocast_enabled(torch::DeviceType type) {
#ifdef NCSN_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(type);
#else
  return type == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

std::string to_string(MixedPrecision precision) {
  switch (precision) {
    case MixedPrecision::BFloat16: return "bf16";
    case MixedPrecision::Float16: return "fp16";
    case MixedPrecision::Off: break;
  }
  return "off";
}

MixedPrecision parse_mixed_precision(const std::string& name) {
  if (name == "off") return MixedPrecision::Off;
  if (name == "bf16") return MixedPrecision::BFloat16;
  if (name == "fp16") return MixedPrecision::Float16;
  throw ConfigError("unknown mixed precision '" + name + "': use off, bf16 or fp16");
}

void to_json(nlohmann::json& j, MixedPrecision precision) { j = to_string(precision); }

void from_json(const nlohmann::json& j, MixedPrecision& precision) { precision = parse_mixed_precision(j.get<std::string>()); }

void check_mixed_precision(MixedPrecision precision, const torch::Device& device) {
  if (precision == MixedPrecision::Float16 && !device.is_cuda())
    throw ConfigError("float16 mixed precision (fp16) needs a CUDA device; on the CPU use bf16 or off");
}

AutocastGuard::AutocastGuard(MixedPrecision precision, const torch::Device& device) : device_type_(device.type()) {
  if (precision == MixedPrecision::Off) return;
  check_mixed_precision(precision, device);
  active_ = true;
  was_enabled_ = autocast_enabled(device_type_);
  was_dtype_ = autocast_dtype(device_type_);
  at::autocast::increment_nesting();
  set_autocast(device_type_, true, precision == MixedPrecision::Float16 ? torch::kHalf : torch::kBFloat16);
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  set_autocast(device_type_, was_enabled_, was_dtype_);
  // As torch.autocast does: the casts of the weights are cached until the outermost region ends.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
}

}  // namespace ncsn
