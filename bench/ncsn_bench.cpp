// ncsn-bench: how fast the engine trains and samples, measured the way users run it (the real
// Trainer and AnnealedLangevinSampler on random weights and random data). Prints a table and
// writes JSON. Each figure is the median of repeated timed runs after warm-up.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/record_function.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#if NCSN_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "ncsn/annealed_langevin_sampler.hpp"
#include "ncsn/cond_instance_norm_pp_cpu.hpp"
#include "ncsn/device.hpp"
#include "ncsn/free_cpu_cores.hpp"
#include "ncsn/host_allocator.hpp"
#include "ncsn/image_grid.hpp"
#include "ncsn/ncsn_score_net.hpp"
#include "ncsn/noise_schedule.hpp"
#include "ncsn/onednn_convolution.hpp"
#include "ncsn/trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using ncsn::ModelConfig;

struct Options {
  std::string configs = "small";  // small, fm, cifar or all
  std::string device = "auto";
  std::vector<int64_t> batches;
  int steps = 20, warmup = 2, repeats = 5, threads = 0, train_batch = 128, train_parts = 1, train_steps = 3;
  int64_t train_images = 1024;  // over 2 GiB of them stay on the host, where batches are prefetched
  bool frame_cost = false;
  bool cuda_graphs = true, cudnn_benchmark = true;  // the engine's defaults; off to measure what they bring
  bool onednn_plans = true;                          // likewise: CPU convolutions prepared per shape
  ncsn::MixedPrecision train_amp = ncsn::MixedPrecision::Off;
  // Sampling variants to measure before any becomes a default: NHWC weights (auto: the engine's
  // choice, CPU only), TF32 convolutions (LibTorch's default on), and autocast of the network.
  std::string channels_last = "auto";
  bool tf32 = true;
  ncsn::MixedPrecision sample_amp = ncsn::MixedPrecision::Off;
  std::string json;
};

struct NamedConfig {
  std::string name;
  ModelConfig model;
  double expected_gflop;  // issue 4's forward conv count for the two reference sizes; 0: none given
};

std::vector<NamedConfig> configs(const std::string& which) {
  auto make = [](int64_t c, int64_t s, int64_t ngf) {
    ModelConfig m;
    m.channels = c;
    m.image_size = s;
    m.ngf = ngf;
    return m;
  };
  std::vector<NamedConfig> all = {{"small", make(1, 28, 16), 0},
                                  {"fm", make(1, 28, 64), 3.79},
                                  {"cifar", make(3, 32, 128), 19.8}};
  if (which == "all") return all;
  for (auto& c : all)
    if (c.name == which) return {c};
  throw std::invalid_argument("unknown --config " + which + " (small, fm, cifar or all)");
}

// Other processes' load, in cores, from which a figure is flagged as not from a quiet machine.
constexpr double kBusyOthers = 0.1;

// The figures of the timed runs of one measurement, and how many cores other processes kept
// busy meanwhile: OpenMP's threads spin while they wait for each other, so on a shared machine
// other work slows multi-threaded figures far more than its own share (docs/benchmarks.md).
struct TimedRuns {
  std::vector<double> values;
  double others_busy_cores = 0;

  double median() const {
    auto v = values;
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
  double min() const { return values.empty() ? 0 : *std::min_element(values.begin(), values.end()); }
  double max() const { return values.empty() ? 0 : *std::max_element(values.begin(), values.end()); }
  // (max - min) / median in per cent: how far the runs of one measurement agree.
  double spread_percent() const { return median() > 0 ? 100.0 * (max() - min()) / median() : 0; }

  // `key` (the median), `key`_min, `key`_max and `key`_others_busy_cores.
  void write(nlohmann::json& into, const std::string& key) const {
    into[key] = median();
    into[key + "_min"] = min();
    into[key + "_max"] = max();
    into[key + "_others_busy_cores"] = others_busy_cores;
  }
};

// "; other processes kept N cores busy" where they did, for the lines outside the table.
std::string others_note(const TimedRuns& t) {
  if (t.others_busy_cores < kBusyOthers) return {};
  std::ostringstream note;
  note << std::fixed << std::setprecision(2) << "; other processes kept " << t.others_busy_cores << " cores busy";
  return note.str();
}

// Runs `run(r)` (which returns the figure of run r) o.warmup times untimed, then o.repeats times,
// watching the other processes' load over the timed runs.
template <typename Run>
TimedRuns time_runs(const Options& o, Run&& run) {
  for (int r = 0; r < o.warmup; ++r) (void)run(r);
  TimedRuns t;
  const auto before = ncsn::read_cpu_times();
  for (int r = o.warmup; r < o.warmup + o.repeats; ++r) t.values.push_back(run(r));
  t.others_busy_cores = ncsn::others_busy_cores(before, ncsn::read_cpu_times());
  return t;
}

void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize();
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Convolution FLOPs of one forward pass, from the shapes the engine's network really produces.
// LibTorch modules have no forward hooks, so the convolution operators are observed instead:
// 2 * Cin/groups * k^2 * Cout * Hout * Wout = 2 * weight.numel() * Hout * Wout per image.
// aten::convolution may call aten::mkldnn_convolution: only the outermost call counts.
struct ConvCall : at::ObserverContext {
  int64_t weight_numel = 0;
};
thread_local double traced_conv_flops = 0;
thread_local bool inside_conv = false;

std::unique_ptr<at::ObserverContext> conv_start(const at::RecordFunction& fn) {
  const char* name = fn.name();
  if (inside_conv || (std::strcmp(name, "aten::convolution") != 0 && std::strcmp(name, "aten::mkldnn_convolution") != 0))
    return nullptr;
  inside_conv = true;
  auto call = std::make_unique<ConvCall>();
  call->weight_numel = fn.inputs()[1].toTensor().numel();  // (input, weight, bias, ...) in both
  return call;
}

void conv_end(const at::RecordFunction& fn, at::ObserverContext* context) {
  if (!context) return;
  inside_conv = false;
  const auto out = fn.outputs()[0].toTensor();  // [N, Cout, Hout, Wout]
  traced_conv_flops += 2.0 * static_cast<ConvCall*>(context)->weight_numel * out.size(2) * out.size(3) * out.size(0);
}

double conv_gflop_per_image(ncsn::NcsnScoreNet& net, const ModelConfig& m, const torch::Device& d) {
  // With autograd on, every convolution goes through LibTorch's operators (CPU inference may call
  // oneDNN directly, unseen).
  torch::AutoGradMode with_autograd(true);
  traced_conv_flops = 0;
  const auto handle =
      at::addThreadLocalCallback(at::RecordFunctionCallback(conv_start, conv_end).needsInputs(true).needsOutputs(true));
  net->forward(torch::rand({1, m.channels, m.image_size, m.image_size}, torch::TensorOptions().device(d)),
               torch::zeros({1}, torch::TensorOptions().dtype(torch::kLong).device(d)));
  at::removeCallback(handle);
  return traced_conv_flops / 1e9;
}

// As ModelSession (the CLI's and the studio's sampler) sets a model up, unless a variant is asked for.
ncsn::AnnealedLangevinSampler make_sampler(ncsn::NcsnScoreNet net, const ModelConfig& m, const torch::Device& d,
                                           const Options& o) {
  if (o.channels_last == "on" || (o.channels_last == "auto" && d.is_cpu())) ncsn::use_channels_last_weights(*net);
  return {ncsn::score_function(net, o.sample_amp, d), ncsn::geometric_sigmas(m.sigma_begin, m.sigma_end, m.num_classes).to(d)};
}

// --steps N runs N Langevin steps: T = N / L per level, or the first N levels at T = 1 when N < L
// (a stop request ends the chain there, as the studio's Stop button would).
int64_t timed_steps(const Options& o, const ModelConfig& m) {
  return o.steps < m.num_classes ? o.steps : (o.steps / m.num_classes) * m.num_classes;
}

// Steps/s of annealed Langevin at one batch size; `frames` converts every state to a host
// 8-bit grid, the worst case of the studio's live view (which takes at most a few per second).
TimedRuns langevin_steps_per_s(const ncsn::AnnealedLangevinSampler& sampler, const ModelConfig& m, int64_t batch,
                               const Options& o, const torch::Device& d, bool frames) {
  const int64_t steps = timed_steps(o, m);
  ncsn::LangevinSettings s;
  s.steps_per_level = std::max<int64_t>(1, steps / m.num_classes);
  s.frame_every = 1;
  s.cuda_graph = o.cuda_graphs;
  const std::vector<int64_t> shape = {m.channels, m.image_size, m.image_size};
  return time_runs(o, [&](int r) {
    ncsn::JobControl control;
    const auto observer = [&](const ncsn::LangevinPosition& at, const torch::Tensor& x) {
      if (frames) (void)ncsn::make_grid(x, 8);
      if (at.done == steps) control.request_stop();
    };
    s.seed = static_cast<uint64_t>(r);
    sync(d);
    const auto t0 = Clock::now();
    sampler.sample(batch, shape, s, observer, &control);
    sync(d);
    return static_cast<double>(steps) / seconds_since(t0);
  });
}

// Request to the first live frame on the host as an 8-bit grid.
TimedRuns first_frame_ms(const ncsn::AnnealedLangevinSampler& sampler, const ModelConfig& m, int64_t batch,
                         const Options& o, const torch::Device& d) {
  return time_runs(o, [&](int) {
    ncsn::JobControl control;
    ncsn::LangevinSettings s;
    s.steps_per_level = 1;
    s.frame_every = 1;
    s.cuda_graph = o.cuda_graphs;
    double ms = 0;
    sync(d);
    const auto t0 = Clock::now();
    sampler.sample(batch, {m.channels, m.image_size, m.image_size}, s,
                   [&](const ncsn::LangevinPosition&, const torch::Tensor& x) {
                     if (ms == 0) {
                       (void)ncsn::make_grid(x, 8);
                       ms = seconds_since(t0) * 1000;
                       control.request_stop();
                     }
                   },
                   &control);
    return ms;
  });
}

// Iterations/s of the real Trainer (batching, dequantisation, DSM loss, Adam) on random images.
// Timing starts at an iteration boundary, so at least one warm-up iteration always runs.
TimedRuns train_iters_per_s(const ModelConfig& m, const Options& o, const torch::Device& d) {
  ncsn::ImageDataset data;
  data.images = torch::randint(0, 256, {o.train_images, m.channels, m.image_size, m.image_size}, torch::kU8);
  data.labels = torch::full({o.train_images}, -1, torch::kLong);
  data.name = "random";
  const auto dir = std::filesystem::temp_directory_path() / ("ncsn-bench-" + std::to_string(::getpid()));
  const int warmup = std::max(1, o.warmup);
  ncsn::TrainConfig t;
  t.batch_size = o.train_batch;
  t.accumulate = o.train_parts;
  t.mixed_precision = o.train_amp;
  t.iterations = warmup + o.repeats * o.train_steps;
  t.checkpoint_every = t.iterations * 10;
  t.eval_every = 0;
  t.checkpoint_dir = dir.string();
  std::vector<Clock::time_point> at;
  ncsn::CpuTimes timed_from, timed_to;
  ncsn::TrainerEvents events;
  events.on_progress = [&](const ncsn::TrainProgress&) {
    sync(d);
    at.push_back(Clock::now());
    if (at.size() == static_cast<size_t>(warmup)) timed_from = ncsn::read_cpu_times();
    if (at.size() == static_cast<size_t>(t.iterations)) timed_to = ncsn::read_cpu_times();
  };
  ncsn::Trainer trainer(m, t, data, data, d);
  trainer.run(events);
  TimedRuns runs;
  runs.others_busy_cores = ncsn::others_busy_cores(timed_from, timed_to);
  std::filesystem::remove_all(dir);
  for (int r = 0; r < o.repeats; ++r) {
    const size_t a = static_cast<size_t>(warmup + r * o.train_steps) - 1, b = a + static_cast<size_t>(o.train_steps);
    runs.values.push_back(o.train_steps / std::chrono::duration<double>(at[b] - at[a]).count());
  }
  return runs;
}

double peak_host_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;  // kilobytes on Linux: the same figure as VmHWM
}

// Peak bytes the caching allocator reserved from the driver since the last reset (0 on CPU).
double peak_device_mib(const torch::Device& d) {
#if NCSN_WITH_CUDA
  if (d.is_cuda()) {
    const auto index = static_cast<c10::DeviceIndex>(d.index() < 0 ? 0 : d.index());
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
    return static_cast<double>(stats.reserved_bytes[0].peak) / (1024.0 * 1024.0);  // [0]: all pools
  }
#endif
  (void)d;
  return 0;
}

void reset_peak_device(const torch::Device& d) {
#if NCSN_WITH_CUDA
  if (d.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(d.index() < 0 ? 0 : d.index()));
#endif
  (void)d;
}

std::string device_name(const torch::Device& d) {
#if NCSN_WITH_CUDA
  if (d.is_cuda()) return ncsn::describe_device(d) + " " + at::cuda::getDeviceProperties(d.index() < 0 ? 0 : d.index())->name;
#endif
  return ncsn::describe_device(d);
}

// The most cores other processes kept busy during any timed measurement in the report.
double busiest_others(const nlohmann::json& j) {
  double most = 0;
  for (const auto& [key, value] : j.items()) {
    if (value.is_structured()) most = std::max(most, busiest_others(value));
    else if (const std::string suffix = "_others_busy_cores";
             key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0)
      most = std::max(most, value.get<double>());
  }
  return most;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::vector<int64_t> parse_batches(const std::string& text) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    out.push_back(std::stoll(text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool on_off(const std::string& option, const std::string& value) {
  if (value != "on" && value != "off") throw std::invalid_argument(option + " takes on or off");
  return value == "on";
}

// The sampling table (steps/s, images/s and GFLOP/s by batch) and the first live frame.
void time_sampling(const ncsn::AnnealedLangevinSampler& sampler, const ModelConfig& m, const std::vector<int64_t>& batches,
                   double gflop, const Options& o, const torch::Device& device, nlohmann::json& entry) {
  std::cout << std::setw(7) << "batch" << std::setw(12) << "steps/s" << std::setw(12) << "images/s" << std::setw(12)
            << "GFLOP/s" << std::setw(10) << "spread %" << std::setw(9) << "others" << (o.frame_cost ? "  frame cost %" : "")
            << "\n";
  for (int64_t b : batches) {
    const TimedRuns plain = langevin_steps_per_s(sampler, m, b, o, device, false);
    const double rate = plain.median();
    const double images = rate * b / 1000.0;  // a full anneal is L*T = 10*100 steps
    const double gflops = gflop * b * rate;
    nlohmann::json row = {{"batch", b}, {"images_per_s", images}, {"gflop_per_s", gflops}};
    plain.write(row, "steps_per_s");
    std::cout << std::setw(7) << b << std::setw(12) << std::setprecision(2) << rate << std::setw(12)
              << std::setprecision(3) << images << std::setw(12) << std::setprecision(1) << gflops << std::setw(10)
              << plain.spread_percent() << std::setw(9) << std::setprecision(2) << plain.others_busy_cores;
    if (o.frame_cost) {
      const double framed = langevin_steps_per_s(sampler, m, b, o, device, true).median();
      row["steps_per_s_with_frame_every_step"] = framed;
      std::cout << std::setw(14) << std::setprecision(1) << 100.0 * (1.0 - framed / rate);
    }
    std::cout << "\n";
    entry["langevin"].push_back(row);
  }
  const TimedRuns first = first_frame_ms(sampler, m, 16, o, device);
  std::cout << "first live frame (batch 16): " << std::setprecision(1) << first.median() << " ms"
            << others_note(first) << "\n";
  first.write(entry, "first_frame_ms_batch16");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--config") o.configs = value();
    else if (a == "--device") o.device = value();
    else if (a == "--batches") o.batches = parse_batches(value());
    else if (a == "--steps") o.steps = std::stoi(value());
    else if (a == "--warmup") o.warmup = std::stoi(value());
    else if (a == "--repeats") o.repeats = std::stoi(value());
    else if (a == "--threads") o.threads = std::stoi(value());
    else if (a == "--train-batch") o.train_batch = std::stoi(value());
    else if (a == "--train-parts") o.train_parts = std::stoi(value());
    else if (a == "--train-steps") o.train_steps = std::stoi(value());
    else if (a == "--train-images") o.train_images = std::stoll(value());
    else if (a == "--frame-cost") o.frame_cost = true;
    else if (a == "--cuda-graphs") o.cuda_graphs = on_off(a, value());
    else if (a == "--cudnn-benchmark") o.cudnn_benchmark = on_off(a, value());
    else if (a == "--onednn-plans") o.onednn_plans = on_off(a, value());
    else if (a == "--train-amp") o.train_amp = ncsn::parse_mixed_precision(value());
    else if (a == "--channels-last") {
      o.channels_last = value();
      if (o.channels_last != "auto") on_off(a, o.channels_last);
    } else if (a == "--tf32") o.tf32 = on_off(a, value());
    else if (a == "--sample-amp") o.sample_amp = ncsn::parse_mixed_precision(value());
    else if (a == "--json") o.json = value();
    else if (a == "-h" || a == "--help") {
      std::cout << "ncsn-bench [--config small|fm|cifar|all] [--device cpu|cuda|auto] [--batches 1,16,64]\n"
                   "           [--steps N] [--warmup N] [--repeats N] [--threads N (0: every core)]\n"
                   "           [--train-batch N] [--train-parts N (gradient accumulation)] [--train-steps N (0: no training)]\n"
                   "           [--train-amp off|bf16|fp16 (mixed-precision training)]\n"
                   "           [--train-images N (random training images, 1024; over 2 GiB stay on the host)]\n"
                   "           [--channels-last auto|on|off] [--tf32 on|off] [--sample-amp off|bf16|fp16]\n"
                   "           [--frame-cost] [--cuda-graphs on|off] [--cudnn-benchmark on|off] [--json out.json]\n"
                   "           [--onednn-plans on|off (CPU inference convolutions prepared per shape, with Winograd)]\n"
                   "--steps: Langevin steps per timed run (T = N/10 per level; below 10, the first N levels; 0: no sampling)\n";
      std::exit(0);
    } else throw std::invalid_argument("unknown option " + a);
  }
  if (o.repeats < 1 || o.train_images < 1 || o.steps < 0 || o.train_steps < 0 || o.warmup < 0)
    throw std::invalid_argument("--repeats and --train-images must be at least 1, --steps, --train-steps and --warmup at least 0");
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  ncsn::configure_host_allocator();  // as the programs it times do
  const Options o = parse(argc, argv);
  const torch::Device device = ncsn::select_device(o.device);
  at::globalContext().setBenchmarkCuDNN(o.cudnn_benchmark);
  at::globalContext().setAllowTF32CuDNN(o.tf32);
  ncsn::OneDnnConvolution::set_enabled(o.onednn_plans);
  const int threads = ncsn::set_cpu_threads(o.threads);
  const auto batches = !o.batches.empty() ? o.batches
                       : device.is_cuda() ? std::vector<int64_t>{1, 16, 64, 256, 1024}
                                          : std::vector<int64_t>{1, 16, 64};
  nlohmann::json report = {{"engine", "ncsn-studio"},
                           {"torch", TORCH_VERSION},
                           {"device", device_name(device)},
                           {"cpu", cpu_model()},
                           {"threads", threads},
                           {"steps", o.steps},
                           {"warmup", o.warmup},
                           {"repeats", o.repeats},
                           {"cuda_graphs", o.cuda_graphs},
                           {"cudnn_benchmark", o.cudnn_benchmark},
                           {"onednn_plans", o.onednn_plans && ncsn::OneDnnConvolution::available()},
                           {"onednn_winograd", ncsn::OneDnnConvolution::winograd_available()},
                           {"norm_kernel", ncsn::to_string(ncsn::best_cpu_vector_isa())},
                           {"channels_last", o.channels_last},
                           {"tf32", o.tf32},
                           {"sample_amp", ncsn::to_string(o.sample_amp)},
                           {"configs", nlohmann::json::array()}};
  std::cout << "ncsn-bench on " << device_name(device) << ", LibTorch " << TORCH_VERSION << ", " << cpu_model() << "\n";
  if (device.is_cpu())
    std::cout << "oneDNN convolution plans " << (o.onednn_plans && ncsn::OneDnnConvolution::available() ? "on" : "off")
              << (!ncsn::OneDnnConvolution::available()          ? " (built without oneDNN's headers)"
                  : ncsn::OneDnnConvolution::winograd_available() ? ", with Winograd"
                                                                    : ", no Winograd kernel in this oneDNN")
              << "; CondInstanceNorm++ kernel built for " << ncsn::to_string(ncsn::best_cpu_vector_isa()) << "\n";
  if (device.is_cuda())
    std::cout << "CUDA graphs " << (o.cuda_graphs ? "on" : "off") << ", cuDNN autotuning " << (o.cudnn_benchmark ? "on" : "off")
              << ", TF32 convolutions " << (o.tf32 ? "on" : "off") << ", channels-last " << o.channels_last
              << ", sampling autocast " << ncsn::to_string(o.sample_amp) << "\n";
  for (const auto& c : configs(o.configs)) {
    torch::manual_seed(0);
    ncsn::NcsnScoreNet net(c.model);
    net->to(device);
    reset_peak_device(device);
    const double gflop = conv_gflop_per_image(net, c.model, device);
    const auto sampler = make_sampler(net, c.model, device, o);
    nlohmann::json entry = {{"name", c.name},
                            {"model", c.model.describe()},
                            {"parameters", ncsn::count_parameters(*net)},
                            {"conv_gflop_per_image", gflop},
                            {"langevin_steps", timed_steps(o, c.model)},
                            {"langevin", nlohmann::json::array()}};
    std::cout << "\n" << c.name << ": " << c.model.describe() << ", " << ncsn::count_parameters(*net)
              << " parameters, conv forward " << std::fixed << std::setprecision(3) << gflop << " GFLOP/image";
    if (c.expected_gflop > 0) {
      const bool matches = std::abs(gflop / c.expected_gflop - 1) < 0.01;
      std::cout << " (issue 4: " << std::setprecision(2) << c.expected_gflop << (matches ? ", matches)" : ", MISMATCH)");
      entry["conv_gflop_matches_issue"] = matches;
    }
    std::cout << "\n";
    if (o.steps > 0) time_sampling(sampler, c.model, batches, gflop, o, device, entry);
    if (o.train_steps > 0) {
      const TimedRuns runs = train_iters_per_s(c.model, o, device);
      const double train = runs.median();
      const double train_gflops = 3 * gflop * o.train_batch * train;  // backward ~ 2x forward
      std::cout << "training at batch " << o.train_batch
                << (o.train_parts > 1 ? " in " + std::to_string(o.train_parts) + " parts" : std::string())
                << (o.train_amp != ncsn::MixedPrecision::Off ? ", " + ncsn::to_string(o.train_amp) + " autocast" : std::string())
                << ": "
                << std::setprecision(3) << train << " it/s, "
                << std::setprecision(1) << train_gflops << " GFLOP/s, spread " << runs.spread_percent() << " %"
                << others_note(runs) << "\n";
      runs.write(entry, "train_iters_per_s");
      entry["train_gflop_per_s"] = train_gflops;
      entry["train_batch"] = o.train_batch;
      entry["train_parts"] = o.train_parts;
      entry["train_amp"] = ncsn::to_string(o.train_amp);
      entry["train_images"] = o.train_images;
    }
    entry["peak_device_mib"] = peak_device_mib(device);
    if (device.is_cuda()) std::cout << "peak device memory: " << std::setprecision(0) << peak_device_mib(device) << " MiB\n";
    report["configs"].push_back(entry);
  }
  report["peak_host_mib"] = peak_host_mib();
  std::cout << "\npeak host memory: " << std::setprecision(0) << peak_host_mib() << " MiB\n";
  report["others_busy_cores_max"] = busiest_others(report["configs"]);
  if (report["others_busy_cores_max"].get<double>() >= kBusyOthers)
    std::cout << "note: other processes kept up to " << std::setprecision(2) << report["others_busy_cores_max"].get<double>()
              << " cores busy during timed runs (the \"others\" column);\nfigures from those runs are lower than on a quiet "
                 "machine, multi-threaded ones much lower (docs/benchmarks.md)\n";
  if (!o.json.empty()) {
    std::ofstream out(o.json);
    out << report.dump(2) << "\n";
    if (!out) throw std::runtime_error("could not write " + o.json);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "ncsn-bench: " << e.what() << "\n";
  return 1;
}
