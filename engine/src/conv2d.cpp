#include "ncsn/conv2d.hpp"

#include <ATen/Context.h>

#include "ncsn/cpu_convolution_check.hpp"
#include "ncsn/mixed_precision.hpp"

namespace ncsn {

Conv2dImpl::Conv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t padding, int64_t dilation,
                       bool bias)
    : torch::nn::Conv2dImpl(
          torch::nn::Conv2dOptions(in_channels, out_channels, kernel_size).padding(padding).dilation(dilation).bias(bias)),
      padding_(padding),
      dilation_(dilation),
      onednn_(std::make_shared<OneDnnConvolution>(padding, dilation)) {}

torch::Tensor Conv2dImpl::forward(const torch::Tensor& x) {
  // Only without autograd (the sampler's inference mode): training batches are large enough that
  // LibTorch picks oneDNN itself, and its own dispatch stays the reference for gradients. Not
  // under autocast either, which only LibTorch's own dispatch applies.
  if (x.is_cpu() && x.scalar_type() == torch::kFloat && !torch::GradMode::is_enabled() && at::hasMKLDNN() &&
      !autocast_enabled(torch::kCPU)) {
    if (OneDnnConvolution::supports(x, weight, bias)) return onednn_->forward(x, weight, bias);
    if (ensure_sound_cpu_convolutions())
      return at::mkldnn_convolution(x, weight, bias, {padding_, padding_}, {1, 1}, {dilation_, dilation_}, 1);
  }
  // LibTorch's own dispatch, whose oneDNN path is used only where it passed the check.
  if (x.is_cpu()) ensure_sound_cpu_convolutions();
  return torch::nn::Conv2dImpl::forward(x);
}

}  // namespace ncsn
