#include "ncsn/cond_instance_norm_pp_cpu.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <ATen/Parallel.h>

namespace ncsn {

namespace {

// Channels summed side by side: the widest tile's float accumulators fill four AVX2 registers.
constexpr int64_t kWideTile = 32;
constexpr int64_t kNarrowTile = 8;
// Pixels summed in float before the run's sum is carried in double: short enough that float's
// rounding stays far below the tests' tolerance, long enough to keep the loop in registers.
constexpr int64_t kRun = 64;

// Per channel of a tile of W channels (stride apart pixel to pixel), the sum over the pixels of
// the values, or of their squares once centred.
template <int64_t W, bool Centred>
[[gnu::always_inline]] inline void add_tile_sums(const float* x, int64_t pixels, int64_t stride, const float* centre,
                                                 double* sum) {
  for (int64_t p0 = 0; p0 < pixels; p0 += kRun) {
    float acc[W] = {};
    const int64_t p1 = std::min(pixels, p0 + kRun);
    for (int64_t p = p0; p < p1; ++p) {
      const float* v = x + p * stride;
      for (int64_t j = 0; j < W; ++j) {
        if constexpr (Centred) {
          const float d = v[j] - centre[j];
          acc[j] += d * d;
        } else {
          acc[j] += v[j];
        }
      }
    }
    for (int64_t j = 0; j < W; ++j) sum[j] += acc[j];
  }
}

template <bool Centred>
[[gnu::always_inline]] inline void add_channel_sums(const float* x, int64_t pixels, int64_t C, const float* centre,
                                                    double* sum) {
  // Plain sums have no centre, and an offset from a null pointer is undefined.
  const auto centre_at = [centre](int64_t c) { return Centred ? centre + c : nullptr; };
  int64_t c = 0;
  for (; c + kWideTile <= C; c += kWideTile)
    add_tile_sums<kWideTile, Centred>(x + c, pixels, C, centre_at(c), sum + c);
  for (; c + kNarrowTile <= C; c += kNarrowTile)
    add_tile_sums<kNarrowTile, Centred>(x + c, pixels, C, centre_at(c), sum + c);
  for (; c < C; ++c) add_tile_sums<1, Centred>(x + c, pixels, C, centre_at(c), sum + c);
}

// e^y - 1 for y <= 0 in plain arithmetic that vectorises (std::expm1 does not): y = n ln2 + r
// with |r| <= ln2 / 2, e^r by Cephes' polynomial, 2^n written into the exponent bits, and the
// difference formed as 2^n (e^r - 1) + (2^n - 1) so that it stays accurate near 0.
[[gnu::always_inline]] inline float expm1_nonpositive(float y) {
  constexpr float kRound = 12582912.0f;   // 1.5 * 2^23: adding it rounds to an integer in the low bits
  constexpr uint32_t kRoundBits = 0x4B400000u;
  y = y > -87.0f ? y : -87.0f;  // e^-87 is near float's smallest normal; below, e^y - 1 is -1 to float
  const float shifted = y * 1.44269504088896341f + kRound;
  const float n = shifted - kRound;
  const float r = y - n * 0.693359375f + n * 2.12194440e-4f;  // ln 2 in two parts
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  uint32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits - kRoundBits + 127u) << 23;  // unsigned, so a NaN's bits cannot overflow
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return scale * (p * r * r + r) + (scale - 1.0f);
}

// out = (x - centre) * scale + shift per channel, then ELU if asked.
template <bool Elu>
[[gnu::always_inline]] inline void scale_and_shift(const float* x, int64_t pixels, int64_t C, const float* centre,
                                                   const float* scale, const float* shift, float* out) {
  for (int64_t i = 0; i < pixels * C; i += C)
    for (int64_t c = 0; c < C; ++c) {
      const float y = (x[i + c] - centre[c]) * scale[c] + shift[c];
      if constexpr (Elu) {
        const float e = expm1_nonpositive(y < 0.0f ? y : 0.0f);
        out[i + c] = y <= 0.0f ? e : y;  // so that NaN, neither, passes through
      } else {
        out[i + c] = y;
      }
    }
}

// One pass over a run of pixels of one image: which, and with what.
struct Pass {
  enum Kind { Sums, CentredSquares, Output } kind;
  const float* x;
  int64_t pixels, channels;
  const float *centre, *scale, *shift;
  bool then_elu;
  double* sum;
  float* out;
};

[[gnu::always_inline]] inline void run_pass(const Pass& p) {
  switch (p.kind) {
    case Pass::Sums: return add_channel_sums<false>(p.x, p.pixels, p.channels, nullptr, p.sum);
    case Pass::CentredSquares: return add_channel_sums<true>(p.x, p.pixels, p.channels, p.centre, p.sum);
    case Pass::Output:
      if (p.then_elu) return scale_and_shift<true>(p.x, p.pixels, p.channels, p.centre, p.scale, p.shift, p.out);
      return scale_and_shift<false>(p.x, p.pixels, p.channels, p.centre, p.scale, p.shift, p.out);
  }
}

// The same loops, compiled for each instruction set.
void run_pass_baseline(const Pass& p) { run_pass(p); }
#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void run_pass_avx2(const Pass& p) { run_pass(p); }
#endif

void run_pass_on(CpuVectorIsa isa, const Pass& p) {
#if defined(__x86_64__)
  if (isa == CpuVectorIsa::Avx2Fma) return run_pass_avx2(p);
#endif
  run_pass_baseline(p);
}

// The image's pixels are cut into blocks, each one unit of parallel work: about 16k values, so
// that a 128-channel 32x32 image splits across threads and a small one is not forked at all.
struct Blocks {
  int64_t images, pixels, channels, per_block, per_image;

  explicit Blocks(const torch::Tensor& x)
      : images(x.size(0)), pixels(x.size(2) * x.size(3)), channels(x.size(1)),
        per_block(std::max<int64_t>(1, 16384 / channels)), per_image((pixels + per_block - 1) / per_block) {}

  // body(image, first pixel, pixel count, block index) for every block, in parallel.
  template <class Body>
  void for_each(const Body& body) const {
    at::parallel_for(0, images * per_image, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const int64_t first = (b % per_image) * per_block;
        body(b / per_image, first, std::min(pixels, first + per_block) - first, b);
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

// Returns the labels, contiguous, once they are known to be valid indices.
torch::Tensor checked_levels(const torch::Tensor& x, const torch::Tensor& labels, const torch::Tensor& embed) {
  if (!cond_instance_norm_pp_cpu_takes(x, embed) || embed.dim() != 2 || embed.size(1) != 3 * x.size(1))
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

// Per image and channel, the scale and shift that the output pass applies to x - centre.
struct Affine {
  std::vector<float> scale, shift;
};

// gamma * ((x - mu) / sd + alpha * means_hat) + beta as one scale and shift of x - mu, means_hat
// being the channel means standardised by their unbiased spread across channels.
Affine fold_coefficients(const Blocks& blocks, const std::vector<double>& mean, const std::vector<double>& variance,
                         const torch::Tensor& levels, const torch::Tensor& embed, double eps) {
  const int64_t C = blocks.channels;
  const auto coefficients = embed.contiguous();
  const float* rows = coefficients.data_ptr<float>();
  const int64_t* level = levels.data_ptr<int64_t>();
  Affine a{std::vector<float>(blocks.images * C), std::vector<float>(blocks.images * C)};
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
      a.scale[i] = static_cast<float>(gamma[c] / std::sqrt(variance[i] + eps));
      a.shift[i] = static_cast<float>(beta[c] + gamma[c] * alpha[c] * (mu[c] - m) / means_sd);
    }
  }
  return a;
}

}  // namespace

CpuVectorIsa best_cpu_vector_isa() {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) return CpuVectorIsa::Avx2Fma;
#endif
  return CpuVectorIsa::Baseline;
}

std::string to_string(CpuVectorIsa isa) { return isa == CpuVectorIsa::Avx2Fma ? "avx2+fma" : "baseline x86-64"; }

bool cond_instance_norm_pp_cpu_takes(const torch::Tensor& x, const torch::Tensor& embed) {
  return !torch::GradMode::is_enabled() && x.is_cpu() && x.scalar_type() == torch::kFloat && x.dim() == 4 &&
         x.is_contiguous(torch::MemoryFormat::ChannelsLast) && embed.is_cpu() && embed.scalar_type() == torch::kFloat;
}

bool cond_instance_norm_pp_cpu_applies(const torch::Tensor& x, const torch::Tensor& embed) {
  // Without AVX2, LibTorch's operators were faster for batches (docs/benchmarks.md).
  return cond_instance_norm_pp_cpu_takes(x, embed) && (x.size(0) == 1 || best_cpu_vector_isa() != CpuVectorIsa::Baseline);
}

torch::Tensor cond_instance_norm_pp_cpu(const torch::Tensor& x, const torch::Tensor& labels, const torch::Tensor& embed,
                                        double eps, bool then_elu, CpuVectorIsa isa) {
  if (isa == CpuVectorIsa::Avx2Fma && best_cpu_vector_isa() != CpuVectorIsa::Avx2Fma)
    throw std::invalid_argument("this CPU cannot run the AVX2 build of cond_instance_norm_pp_cpu");
  const auto levels = checked_levels(x, labels, embed);
  const Blocks blocks(x);
  const int64_t C = blocks.channels;
  const float* in = x.data_ptr<float>();
  const auto row = [&](int64_t image, int64_t pixel) { return (image * blocks.pixels + pixel) * C; };

  // Two passes, as the module computes them: the mean, then the mean square of centred values.
  std::vector<double> partial(blocks.images * blocks.per_image * C);
  blocks.for_each([&](int64_t image, int64_t first, int64_t count, int64_t b) {
    std::fill_n(&partial[b * C], C, 0.0);
    run_pass_on(isa, {Pass::Sums, in + row(image, first), count, C, nullptr, nullptr, nullptr, false, &partial[b * C],
                      nullptr});
  });
  const auto mean = blocks.average(partial);
  const std::vector<float> centre(mean.begin(), mean.end());
  blocks.for_each([&](int64_t image, int64_t first, int64_t count, int64_t b) {
    std::fill_n(&partial[b * C], C, 0.0);
    run_pass_on(isa, {Pass::CentredSquares, in + row(image, first), count, C, &centre[image * C], nullptr, nullptr,
                      false, &partial[b * C], nullptr});
  });
  const auto variance = blocks.average(partial);  // biased, as InstanceNorm2d uses
  const auto affine = fold_coefficients(blocks, mean, variance, levels, embed, eps);

  auto out = torch::empty_like(x, torch::MemoryFormat::ChannelsLast);
  float* result = out.data_ptr<float>();
  blocks.for_each([&](int64_t image, int64_t first, int64_t count, int64_t) {
    const int64_t i = image * C;
    run_pass_on(isa, {Pass::Output, in + row(image, first), count, C, &centre[i], &affine.scale[i],
                      &affine.shift[i], then_elu, nullptr, result + row(image, first)});
  });
  return out;
}

}  // namespace ncsn
