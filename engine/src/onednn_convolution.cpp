#include "ncsn/onednn_convolution.hpp"

#include <array>
#include <atomic>
#include <new>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#if NCSN_WITH_ONEDNN
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace ncsn {

namespace {
std::atomic<bool> enabled{true};
}  // namespace

void OneDnnConvolution::set_enabled(bool on) { enabled = on; }

#if NCSN_WITH_ONEDNN

namespace {

// Where Winograd pays, measured layer by layer in the reference networks (docs/benchmarks.md):
// its transformed weights are 4x the size of the plain ones, so with few output pixels per call
// (one 16x16 image) streaming them costs what the saved arithmetic gained; and narrow layers
// do not fill its tiles.
constexpr int64_t kWinogradMinChannels = 64;
constexpr int64_t kWinogradMinPixels = 512;  // N x H x W of the output

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::memory::dims dims_of(c10::IntArrayRef sizes) { return dnnl::memory::dims(sizes.begin(), sizes.end()); }

// A tensor's own layout, strides and all, so that nothing is copied to describe it.
dnnl::memory::desc desc_of(const torch::Tensor& t) {
  return dnnl::memory::desc(dims_of(t.sizes()), dnnl::memory::data_type::f32, dims_of(t.strides()));
}

// Our activations are channels-last. Named by the tag rather than by strides: with one channel,
// LibTorch keeps NCHW strides (the same bytes), which oneDNN would take for NCHW and run 100x slower.
dnnl::memory::desc channels_last(const torch::Tensor& t) {
  return dnnl::memory::desc(dims_of(t.sizes()), dnnl::memory::data_type::f32, dnnl::memory::format_tag::nhwc);
}

dnnl::memory::desc any_layout(const dnnl::memory::dims& dims) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
}

using ConvolutionPd = dnnl::convolution_forward::primitive_desc;

// oneDNN 3 folded the operation descriptor of version 2 into the primitive descriptor.
ConvolutionPd describe_convolution(dnnl::algorithm algorithm, const dnnl::memory::desc& src, const dnnl::memory::desc& weights,
                                   const dnnl::memory::desc* bias, const dnnl::memory::desc& dst, int64_t padding,
                                   int64_t dilation) {
  const dnnl::memory::dims strides{1, 1}, dilates{dilation - 1, dilation - 1}, pad{padding, padding};
  constexpr auto inference = dnnl::prop_kind::forward_inference;
#if DNNL_VERSION_MAJOR >= 3
  if (bias) return ConvolutionPd(cpu_engine(), inference, algorithm, src, weights, *bias, dst, strides, dilates, pad, pad);
  return ConvolutionPd(cpu_engine(), inference, algorithm, src, weights, dst, strides, dilates, pad, pad);
#else
  using Op = dnnl::convolution_forward::desc;
  if (bias) return ConvolutionPd(Op(inference, algorithm, src, weights, *bias, dst, strides, dilates, pad, pad), cpu_engine());
  return ConvolutionPd(Op(inference, algorithm, src, weights, dst, strides, dilates, pad, pad), cpu_engine());
#endif
}

bool runs_as_gemm(const ConvolutionPd& pd) { return std::string(pd.impl_info_str()).find("gemm") != std::string::npos; }

dnnl::reorder reorder_between(const dnnl::memory::desc& from, const dnnl::memory::desc& to) {
  return dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), from, cpu_engine(), to));
}

// Grow-only buffers of this thread for the blocked activations. Fresh buffers of this size are
// mapped anew on each call, and faulting their pages in cost more than the convolution (measured:
// 24 of 83 ms for one 16 x 128 x 32 x 32 Winograd layer).
void* workspace(int slot, size_t bytes) {
  static thread_local std::array<torch::Tensor, 2> buffers;
  auto& buffer = buffers[slot];
  if (!buffer.defined() || buffer.nbytes() < bytes) buffer = torch::empty({static_cast<int64_t>(bytes)}, torch::kByte);
  return buffer.data_ptr();
}

// A tensor as a plan last saw it. Holding its storage keeps the address from being reused, and
// the version counter moves with every in-place change (an optimizer step, a copy of new weights).
struct SeenTensor {
  c10::Storage storage;
  const void* data = nullptr;
  std::vector<int64_t> strides;
  uint32_t version = 0;

  explicit SeenTensor(const torch::Tensor& t) {
    if (!t.defined()) return;
    storage = t.storage();
    data = t.data_ptr();
    strides = t.strides().vec();
    version = t._version();
  }
  bool same(const torch::Tensor& t) const {
    if (!t.defined()) return data == nullptr;
    return t.data_ptr() == data && t.strides().equals(strides) && t._version() == version;
  }
};

}  // namespace

struct OneDnnConvolution::Plan {
  std::vector<int64_t> input_sizes;
  SeenTensor weight, bias;

  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward conv;
  dnnl::memory weights;  // in the primitive's own layout
  dnnl::memory::desc user_src, user_dst;
  std::optional<dnnl::reorder> to_src, from_dst;  // where the primitive's layouts are not ours
  bool winograd = false;
  // Where the primitive takes its input padded by us: the input goes into the middle of this
  // channels-last buffer, whose zero border is written once.
  torch::Tensor padded_input;

  Plan(const torch::Tensor& input, const torch::Tensor& w, const torch::Tensor& b)
      : input_sizes(input.sizes().vec()), weight(w), bias(b) {}
  bool fits(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) const {
    return x.sizes().equals(input_sizes) && weight.same(w) && bias.same(b);
  }
};

OneDnnConvolution::OneDnnConvolution(int64_t padding, int64_t dilation) : padding_(padding), dilation_(dilation) {}
OneDnnConvolution::~OneDnnConvolution() = default;

bool OneDnnConvolution::available() { return true; }

bool OneDnnConvolution::winograd_available() {
  static const bool has_kernel = [] {
    try {
      describe_convolution(dnnl::algorithm::convolution_winograd, any_layout({1, 64, 32, 32}), any_layout({64, 64, 3, 3}),
                           nullptr, any_layout({1, 64, 32, 32}), 1, 1);
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return has_kernel;
}

bool OneDnnConvolution::supports(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  const auto plain = [](const torch::Tensor& t) {
    return t.is_cpu() && t.scalar_type() == torch::kFloat && !t.is_inference();
  };
  // Shapes that do not fit go to LibTorch, whose error names them.
  return enabled && x.is_cpu() && x.scalar_type() == torch::kFloat && x.dim() == 4 && plain(weight) &&
         weight.dim() == 4 && x.size(1) == weight.size(1) && (!bias.defined() || plain(bias));
}

bool OneDnnConvolution::winograd() const { return plan_ && plan_->winograd; }

std::string OneDnnConvolution::implementation() const { return plan_ ? plan_->pd.impl_info_str() : std::string(); }

torch::Tensor OneDnnConvolution::forward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!supports(x, weight, bias)) throw std::invalid_argument("OneDnnConvolution takes float32 CPU tensors only");
  RECORD_FUNCTION("ncsn::onednn_convolution", std::vector<c10::IValue>());  // seen by profilers as one operator
  const auto input = x.contiguous(torch::MemoryFormat::ChannelsLast);
  const int64_t n = input.size(0), kernel = weight.size(2);
  const int64_t out_h = input.size(2) + 2 * padding_ - dilation_ * (kernel - 1);
  const int64_t out_w = input.size(3) + 2 * padding_ - dilation_ * (kernel - 1);
  auto output = torch::empty({n, weight.size(0), out_h, out_w}, input.options().memory_format(torch::MemoryFormat::ChannelsLast));

  std::lock_guard<std::mutex> lock(mutex_);
  try {
    run(input, output, weight, bias);
  } catch (const dnnl::error& e) {
    plan_.reset();
    if (e.status == dnnl_out_of_memory) throw std::bad_alloc();  // describe_error says what to do
    throw std::runtime_error(std::string("oneDNN failed on a convolution: ") + e.what());
  }
  return output;
}

void OneDnnConvolution::run(const torch::Tensor& input, torch::Tensor& output, const torch::Tensor& weight,
                            const torch::Tensor& bias) {
  if (!plan_ || !plan_->fits(input, weight, bias)) plan_ = make_plan(input, output, weight, bias);
  auto& plan = *plan_;
  auto& engine = cpu_engine();
  // The primitive runs on this thread's OpenMP team, which LibTorch sizes lazily per thread.
  at::internal::lazy_init_num_threads();
  dnnl::stream stream(engine);

  void* source = input.data_ptr();
  if (plan.padded_input.defined()) {
    plan.padded_input.narrow(2, padding_, input.size(2)).narrow(3, padding_, input.size(3)).copy_(input);
    source = plan.padded_input.data_ptr();
  }
  dnnl::memory src(plan.user_src, engine, source), dst(plan.user_dst, engine, output.data_ptr());
  // Winograd works in a blocked layout: the activations are reordered on the way in and out.
  dnnl::memory conv_src = src, conv_dst = dst;
  if (plan.to_src) {
    conv_src = dnnl::memory(plan.pd.src_desc(), engine, workspace(0, plan.pd.src_desc().get_size()));
    plan.to_src->execute(stream, src, conv_src);
  }
  if (plan.from_dst) conv_dst = dnnl::memory(plan.pd.dst_desc(), engine, workspace(1, plan.pd.dst_desc().get_size()));
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, conv_src}, {DNNL_ARG_WEIGHTS, plan.weights}, {DNNL_ARG_DST, conv_dst}};
  if (bias.defined()) args.emplace(DNNL_ARG_BIAS, dnnl::memory(desc_of(bias), engine, bias.data_ptr()));
  plan.conv.execute(stream, args);
  if (plan.from_dst) plan.from_dst->execute(stream, conv_dst, dst);
  stream.wait();
}

std::unique_ptr<OneDnnConvolution::Plan> OneDnnConvolution::make_plan(const torch::Tensor& input, const torch::Tensor& output,
                                                                      const torch::Tensor& weight, const torch::Tensor& bias) {
  auto plan = std::make_unique<Plan>(input, weight, bias);
  plan->user_src = channels_last(input);
  plan->user_dst = channels_last(output);
  const auto weights_any = any_layout(dims_of(weight.sizes()));
  const auto bias_desc = bias.defined() ? std::optional<dnnl::memory::desc>(desc_of(bias)) : std::nullopt;
  const auto describe = [&](dnnl::algorithm algorithm, const dnnl::memory::desc& src, const dnnl::memory::desc& dst,
                            int64_t padding) {
    return describe_convolution(algorithm, src, weights_any, bias_desc ? &*bias_desc : nullptr, dst, padding, dilation_);
  };
  const bool try_winograd = weight.size(2) == 3 && weight.size(3) == 3 && dilation_ == 1 &&
                            weight.size(0) >= kWinogradMinChannels && weight.size(1) >= kWinogradMinChannels &&
                            output.size(0) * output.size(2) * output.size(3) >= kWinogradMinPixels;
  if (try_winograd) {
    try {
      plan->pd = describe(dnnl::algorithm::convolution_winograd, any_layout(dims_of(input.sizes())),
                          any_layout(dims_of(output.sizes())), padding_);
      plan->winograd = true;
    } catch (const dnnl::error&) {
      // No Winograd kernel for this CPU or shape (none for float32 in oneDNN 3): the direct one below.
    }
  }
  if (!plan->winograd) {
    plan->pd = describe(dnnl::algorithm::convolution_direct, plan->user_src, plan->user_dst, padding_);
    // oneDNN 2.6's AVX2 direct kernel refuses a padding of 4 (the dilation-4 layers'), and
    // im2col + GEMM then runs those layers 3x slower. Given the input padded, it runs them.
    if (padding_ > 0 && runs_as_gemm(plan->pd)) {
      // An ordinary tensor even when planned in inference mode: later calls outside it write it too.
      c10::InferenceMode not_inference(false);
      auto padded = torch::empty({input.size(0), input.size(1), input.size(2) + 2 * padding_, input.size(3) + 2 * padding_},
                                 input.options().memory_format(torch::MemoryFormat::ChannelsLast))
                        .zero_();  // torch::zeros ignores the memory format
      const auto padded_src = channels_last(padded);
      auto unpadded_pd = describe(dnnl::algorithm::convolution_direct, padded_src, plan->user_dst, 0);
      if (!runs_as_gemm(unpadded_pd)) {
        plan->pd = unpadded_pd;
        plan->user_src = padded_src;
        plan->padded_input = std::move(padded);
      }
    }
  }
  plan->conv = dnnl::convolution_forward(plan->pd);
  if (plan->pd.src_desc() != plan->user_src) plan->to_src = reorder_between(plan->user_src, plan->pd.src_desc());
  if (plan->pd.dst_desc() != plan->user_dst) plan->from_dst = reorder_between(plan->pd.dst_desc(), plan->user_dst);

  auto& engine = cpu_engine();
  plan->weights = dnnl::memory(plan->pd.weights_desc(), engine);
  // Winograd's weight layout is reached from the plain (OIHW) one only, not from channels-last.
  const auto plain_weight = weight.contiguous();
  dnnl::memory user_weights(desc_of(plain_weight), engine, plain_weight.data_ptr());
  dnnl::stream stream(engine);
  dnnl::reorder(user_weights, plan->weights).execute(stream, user_weights, plan->weights);
  stream.wait();
  return plan;
}

#else

struct OneDnnConvolution::Plan {};

OneDnnConvolution::OneDnnConvolution(int64_t padding, int64_t dilation) : padding_(padding), dilation_(dilation) {}
OneDnnConvolution::~OneDnnConvolution() = default;
bool OneDnnConvolution::available() { return false; }
bool OneDnnConvolution::winograd_available() { return false; }
bool OneDnnConvolution::supports(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) { return false; }
bool OneDnnConvolution::winograd() const { return false; }
std::string OneDnnConvolution::implementation() const { return {}; }
torch::Tensor OneDnnConvolution::forward(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) {
  throw std::logic_error("this engine was built without oneDNN's headers");
}

#endif

}  // namespace ncsn
