#include "ncsn/cond_residual_block.hpp"

#include "ncsn/conv2d.hpp"
#include "ncsn/conv_mean_pool.hpp"

namespace ncsn {
namespace {

Conv2d conv3x3(int64_t in, int64_t out, int64_t dilation) {
  return Conv2d(in, out, 3, /*padding=*/dilation, dilation);
}

}  // namespace

CondResidualBlockImpl::CondResidualBlockImpl(const CondResidualBlockOptions& o) {
  const bool dilated = o.dilation > 1;
  const bool halves = o.downsample && !dilated;
  // A downsampling block widens in its second conv; a plain one in its first (reference layout).
  const int64_t mid = o.downsample ? o.in_channels : o.out_channels;
  normalize1 = register_module("normalize1", CondInstanceNormPP(o.in_channels, o.num_classes));
  conv1 = torch::nn::AnyModule(conv3x3(o.in_channels, mid, o.dilation));
  normalize2 = register_module("normalize2", CondInstanceNormPP(mid, o.num_classes));
  conv2 = halves ? torch::nn::AnyModule(ConvMeanPool(mid, o.out_channels, 3))
                 : torch::nn::AnyModule(conv3x3(mid, o.out_channels, o.dilation));
  register_module("conv1", conv1.ptr());
  register_module("conv2", conv2.ptr());

  has_shortcut = o.in_channels != o.out_channels || o.downsample;
  if (has_shortcut) {
    shortcut = halves ? torch::nn::AnyModule(ConvMeanPool(o.in_channels, o.out_channels, 1))
           : dilated  ? torch::nn::AnyModule(conv3x3(o.in_channels, o.out_channels, o.dilation))
                      : torch::nn::AnyModule(Conv2d(o.in_channels, o.out_channels, 1));
    register_module("shortcut", shortcut.ptr());
  }
}

torch::Tensor CondResidualBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  auto h = conv1.forward(normalize1->forward_elu(x, labels));
  h = conv2.forward(normalize2->forward_elu(h, labels));
  return (has_shortcut ? shortcut.forward(x) : x) + h;
}

}  // namespace ncsn
