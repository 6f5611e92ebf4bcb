#include "ncsn/cond_instance_norm_pp_cpu.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/Parallel.h>

namespace ncsn {

namespace {

// One image of at most this many values. Beyond, LibTorch's operators were as fast or faster
// (docs/benchmarks.md): their kernels are built for AVX2 and AVX-512, this one for the baseline
// x86-64 that the engine targets, and their per-operator overhead no longer counts.
constexpr int64_t kMostValues = 128 * 32 * 32;

// The image's pixels are cut into blocks, each one unit of parallel work: about 16k values, so
// that a 128-channel 32x32 image splits across threads and a small one is not forked at all.
struct Blocks {
  int64_t images, pixels, channels, per_block, per_image;

  explicit Blocks(const torch::Tensor& x)
      : images(x.size(0)), pixels(x.size(2) * x.size(3)), channels(x.size(1)),
        per_block(std::max<int64_t>(1, 16384 / channels)), per_image((pixels + per_block - 1) / per_block) {}

  // body(image, first pixel, end pixel, block index) for every block, in parallel.
  template <class Body>
  void for_each(const Body& body) const {
    at::parallel_for(0, images * per_image, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const int64_t first = (b % per_image) * per_block;
        body(b / per_image, first, std::min(pixels, first + per_block), b);
      }
    });
  }

  // Per image and channel, the sum over blocks of per-block partial sums, divided by the pixels.
  std::vector<double> average(const std::vector<double>& partial) const {
    std::vector<double> out(images * channels, 0.0);
    for (int64_t b = 0; b < images * per_image; ++b)
      for (int64_t c = 0; c < channels; ++c) out[(b / per_image) * channels + c] += partial[b * channels + c];
    for (double& v : out) v /= static_cast<double>(pixels);
    return out;
  }
};

// What the kernel can run on at all, whatever the size.
bool kernel_takes(const torch::Tensor& x, const torch::Tensor& embed) {
  return !torch::GradMode::is_enabled() && x.is_cpu() && x.scalar_type() == torch::kFloat && x.dim() == 4 &&
         x.is_contiguous(torch::MemoryFormat::ChannelsLast) && embed.is_cpu() && embed.scalar_type() == torch::kFloat;
}

// Returns the labels, contiguous, once they are known to be valid indices.
torch::Tensor checked_levels(const torch::Tensor& x, const torch::Tensor& labels, const torch::Tensor& embed) {
  if (!kernel_takes(x, embed) || embed.dim() != 2 || embed.size(1) != 3 * x.size(1))
    throw std::invalid_argument("cond_instance_norm_pp_cpu takes channels-last float32 CPU activations and [L, 3C] "
                                "coefficients, outside autograd");
  if (labels.dim() != 1 || labels.size(0) != x.size(0) || labels.scalar_type() != torch::kLong)
    throw std::invalid_argument("cond_instance_norm_pp_cpu needs one int64 noise-level index per image");
  const auto contiguous = labels.contiguous();
  const int64_t* level = contiguous.data_ptr<int64_t>();
  for (int64_t n = 0; n < labels.size(0); ++n)
    if (level[n] < 0 || level[n] >= embed.size(0))
      throw std::out_of_range("noise-level index " + std::to_string(level[n]) + " is out of range: the layer has " +
                              std::to_string(embed.size(0)) + " levels");
  return contiguous;
}

}  // namespace

bool cond_instance_norm_pp_cpu_applies(const torch::Tensor& x, const torch::Tensor& embed) {
  return kernel_takes(x, embed) && x.size(0) == 1 && x.numel() <= kMostValues;
}

torch::Tensor cond_instance_norm_pp_cpu(const torch::Tensor& x, const torch::Tensor& labels, const torch::Tensor& embed,
                                        double eps) {
  const auto levels = checked_levels(x, labels, embed);
  const Blocks blocks(x);
  const int64_t C = blocks.channels;
  const float* in = x.data_ptr<float>();
  const auto row = [&](int64_t image, int64_t pixel) { return in + (image * blocks.pixels + pixel) * C; };

  // Two passes, as the module computes them: the mean, then the mean square of centred values.
  std::vector<double> partial(blocks.images * blocks.per_image * C);
  blocks.for_each([&](int64_t image, int64_t first, int64_t end, int64_t b) {
    double* sum = &partial[b * C];
    std::fill(sum, sum + C, 0.0);
    for (int64_t p = first; p < end; ++p) {
      const float* v = row(image, p);
      for (int64_t c = 0; c < C; ++c) sum[c] += v[c];
    }
  });
  const auto mean = blocks.average(partial);
  blocks.for_each([&](int64_t image, int64_t first, int64_t end, int64_t b) {
    double* sum = &partial[b * C];
    const double* mu = &mean[image * C];
    std::fill(sum, sum + C, 0.0);
    for (int64_t p = first; p < end; ++p) {
      const float* v = row(image, p);
      for (int64_t c = 0; c < C; ++c) sum[c] += (v[c] - mu[c]) * (v[c] - mu[c]);
    }
  });
  const auto variance = blocks.average(partial);  // biased, as InstanceNorm2d uses

  // Per image: gamma * ((x - mu) / sd + alpha * means_hat) + beta as one scale and shift of x - mu,
  // means_hat being the channel means standardised by their unbiased spread across channels.
  const auto coefficients = embed.contiguous();
  const float* rows = coefficients.data_ptr<float>();
  const int64_t* level = levels.data_ptr<int64_t>();
  std::vector<float> centre(blocks.images * C), scale(blocks.images * C), shift(blocks.images * C);
  for (int64_t n = 0; n < blocks.images; ++n) {
    const double* mu = &mean[n * C];
    double m = 0, spread = 0;
    for (int64_t c = 0; c < C; ++c) m += mu[c];
    m /= C;
    for (int64_t c = 0; c < C; ++c) spread += (mu[c] - m) * (mu[c] - m);
    const double means_sd = std::sqrt(spread / (C - 1) + eps);  // NaN for one channel, as torch.var gives
    const float* gamma = rows + level[n] * 3 * C;
    const float *alpha = gamma + C, *beta = gamma + 2 * C;
    for (int64_t c = 0; c < C; ++c) {
      const int64_t i = n * C + c;
      centre[i] = static_cast<float>(mu[c]);
      scale[i] = static_cast<float>(gamma[c] / std::sqrt(variance[i] + eps));
      shift[i] = static_cast<float>(beta[c] + gamma[c] * alpha[c] * (mu[c] - m) / means_sd);
    }
  }

  auto out = torch::empty_like(x, torch::MemoryFormat::ChannelsLast);
  float* result = out.data_ptr<float>();
  blocks.for_each([&](int64_t image, int64_t first, int64_t end, int64_t) {
    const float *mu = &centre[image * C], *a = &scale[image * C], *b = &shift[image * C];
    for (int64_t p = first; p < end; ++p) {
      const float* v = row(image, p);
      float* o = result + (row(image, p) - in);
      for (int64_t c = 0; c < C; ++c) o[c] = (v[c] - mu[c]) * a[c] + b[c];
    }
  });
  return out;
}

}  // namespace ncsn
