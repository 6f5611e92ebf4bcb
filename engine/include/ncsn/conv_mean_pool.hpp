#pragma once
// Convolution followed by 2x2 mean pooling: the reference's downsampling convolution.
#include <torch/torch.h>

#include "ncsn/conv2d.hpp"

namespace ncsn {

struct ConvMeanPoolImpl : torch::nn::Module {
  ConvMeanPoolImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size);
  torch::Tensor forward(const torch::Tensor& x);
  Conv2d conv{nullptr};
};
TORCH_MODULE(ConvMeanPool);

}  // namespace ncsn
