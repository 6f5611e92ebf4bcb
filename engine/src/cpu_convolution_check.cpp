#include "ncsn/cpu_convolution_check.hpp"

#include <limits>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/torch.h>

namespace ncsn {
namespace {

struct Case {
  int64_t images, in_channels, out_channels, size;
  bool channels_last;
};

std::vector<torch::Tensor> output_and_gradients(const Case& c, const torch::Tensor& x, const torch::Tensor& w,
                                                const torch::Tensor& grad_y, torch::ScalarType type) {
  auto input = x.to(type);
  if (c.channels_last) input = input.contiguous(torch::MemoryFormat::ChannelsLast);
  input.requires_grad_();
  auto weight = w.to(type).requires_grad_();
  leave_nan_in_freed_memory();
  const auto y = torch::conv2d(input, weight, {}, 1, 1);
  y.backward(grad_y.to(type));
  return {y.to(torch::kDouble), input.grad().to(torch::kDouble), weight.grad().to(torch::kDouble)};
}

// Float32 (oneDNN) against float64 (which oneDNN does not take), from a private generator so
// that the check leaves the process's random stream as it was.
bool agrees_with_float64(const Case& c, at::Generator& generator) {
  const auto options = torch::TensorOptions().dtype(torch::kDouble);
  const auto x = torch::randn({c.images, c.in_channels, c.size, c.size}, generator, options);
  const auto w = torch::randn({c.out_channels, c.in_channels, 3, 3}, generator, options) * 0.2;
  const auto grad_y = torch::randn({c.images, c.out_channels, c.size, c.size}, generator, options);
  const auto single = output_and_gradients(c, x, w, grad_y, torch::kFloat);
  const auto exact = output_and_gradients(c, x, w, grad_y, torch::kDouble);
  for (size_t i = 0; i < single.size(); ++i) {
    const double error = (single[i] - exact[i]).abs().max().item<double>();
    if (!(error <= 1e-4 * exact[i].abs().max().item<double>())) return false;  // NaN fails too
  }
  return true;
}

bool onednn_convolutions_agree() {
  // The check may be reached from inside inference mode, no-grad or autocast: it needs none.
  c10::InferenceMode not_inference(false);
  torch::AutoGradMode grad(true);
  c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::DispatchKeySet({c10::DispatchKey::AutocastCPU}));
  auto generator = at::detail::createCPUGenerator(20190712);
  // Channel counts that are not multiples of 16, in both layouts, and a wider input.
  const Case cases[] = {{4, 3, 4, 8, false}, {4, 1, 8, 8, true}, {2, 24, 16, 8, false}, {2, 16, 16, 8, true}};
  for (const auto& c : cases)
    if (!agrees_with_float64(c, generator)) return false;
  return true;
}

}  // namespace

void leave_nan_in_freed_memory() {
  std::vector<torch::Tensor> blocks;
  for (int64_t k = 1; k <= 64; ++k) blocks.push_back(torch::full({k * 1024}, std::numeric_limits<float>::quiet_NaN()));
}

bool ensure_sound_cpu_convolutions() {
  static const bool sound = [] {
    if (!at::hasMKLDNN() || !at::globalContext().userEnabledMkldnn()) return true;
    if (onednn_convolutions_agree()) return true;
    at::globalContext().setUserEnabledMkldnn(false);
    return false;
  }();
  return sound;
}

std::string cpu_convolution_notice(const c10::Device& device) {
  if (!device.is_cpu() || ensure_sound_cpu_convolutions()) return {};
  return "this LibTorch's oneDNN convolutions failed NCSN Studio's check (wrong gradients, as Debian 13's LibTorch 2.6 "
         "with oneDNN 3.7 gives), so CPU training runs on LibTorch's slower reference kernels";
}

}  // namespace ncsn
