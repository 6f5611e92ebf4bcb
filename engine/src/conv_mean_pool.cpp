#include "ncsn/conv_mean_pool.hpp"

namespace ncsn {

ConvMeanPoolImpl::ConvMeanPoolImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size) {
  conv = register_module("conv", Conv2d(in_channels, out_channels, kernel_size, /*padding=*/kernel_size / 2));
}

torch::Tensor ConvMeanPoolImpl::forward(const torch::Tensor& x) {
  // The reference averages the four strided sub-grids; on even sizes that is a 2x2 average pool.
  return torch::avg_pool2d(conv->forward(x), {2, 2});
}

}  // namespace ncsn
