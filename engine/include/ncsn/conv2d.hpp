#pragma once
// The network's stride-1 convolution: torch::nn::Conv2d (same parameters and names), except that
// CPU inference always runs on oneDNN. LibTorch sends small CPU convolutions (one image, fewer
// than 20480 input values, or a 1x1 kernel on one thread) to im2col + BLAS, which is fast with MKL
// but 2-5x slower than oneDNN on the generic BLAS of distribution builds (Debian's LibTorch).
// Where the engine has oneDNN's headers, OneDnnConvolution runs it, prepared once per shape.
#include <memory>

#include <torch/torch.h>

#include "ncsn/onednn_convolution.hpp"

namespace ncsn {

struct Conv2dImpl : torch::nn::Conv2dImpl {
  Conv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t padding = 0, int64_t dilation = 1,
             bool bias = true);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t padding_, dilation_;
  std::shared_ptr<OneDnnConvolution> onednn_;
};
TORCH_MODULE(Conv2d);

}  // namespace ncsn
