#pragma once
// A stride-1 CPU inference convolution run on oneDNN directly, prepared once per input shape.
// LibTorch 1.13's mkldnn_convolution reorders the weights into oneDNN's layout on every call,
// which at batch 1 costs about half as much again as the convolution, and it never picks Winograd.
// Here the primitive and its reordered weights are kept until the weights change (their version
// counter moves) or the input shape does, and 3x3 convolutions with enough channels and output
// pixels per call run as Winograd where oneDNN has a kernel for it (2.x on AVX-512: 2.2x faster per
// layer at batch 16; docs/benchmarks.md; 3.x has none for float32). Built where oneDNN's headers are
// found (Debian's libdnnl-dev, the oneDNN that Debian's LibTorch itself runs on; the 2.x and 3.x
// APIs both); elsewhere available() is false and callers keep LibTorch's path.
#include <memory>
#include <mutex>
#include <string>

#include <torch/torch.h>

namespace ncsn {

class OneDnnConvolution {
 public:
  OneDnnConvolution(int64_t padding, int64_t dilation);
  ~OneDnnConvolution();
  OneDnnConvolution(const OneDnnConvolution&) = delete;
  OneDnnConvolution& operator=(const OneDnnConvolution&) = delete;

  static bool available();
  // Whether this oneDNN has a float32 Winograd kernel for this CPU.
  static bool winograd_available();
  // On by default; off sends every caller back to LibTorch (for benchmarks: ncsn-bench --onednn-plans).
  static void set_enabled(bool on);
  // Whether forward() takes these: float32 CPU tensors whose storage can be watched for changes
  // (not inference tensors, whose version counter LibTorch does not keep).
  static bool supports(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

  // x: N x C x H x W in either memory format; bias may be undefined. The result is channels-last.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);
  // Whether the last shape run was prepared as Winograd (for tests and profiles).
  bool winograd() const;
  // oneDNN's name for the kernel the last shape runs on ("jit:avx2", "x64:gemm:jit", ...).
  std::string implementation() const;

 private:
  struct Plan;
  void run(const torch::Tensor& input, torch::Tensor& output, const torch::Tensor& weight, const torch::Tensor& bias);
  std::unique_ptr<Plan> make_plan(const torch::Tensor& input, const torch::Tensor& output, const torch::Tensor& weight,
                                  const torch::Tensor& bias);
  int64_t padding_, dilation_;
  std::mutex mutex_;  // one module may run from two threads (a preview beside a sampler)
  std::unique_ptr<Plan> plan_;
};

}  // namespace ncsn
