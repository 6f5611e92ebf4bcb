// ncsn-bench: how fast the engine trains and samples, measured the way users run it (the real
// Trainer and AnnealedLangevinSampler on random weights and random data). Prints a table and
// writes JSON. Each figure is the median of repeated timed runs after warm-up.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "ncsn/annealed_langevin_sampler.hpp"
#include "ncsn/device.hpp"
#include "ncsn/image_grid.hpp"
#include "ncsn/ncsn_score_net.hpp"
#include "ncsn/noise_schedule.hpp"
#include "ncsn/trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using ncsn::ModelConfig;

struct Options {
  std::string configs = "small";  // small, fm, cifar or all
  std::string device = "auto";
  std::vector<int64_t> batches;
  int steps = 20, warmup = 5, repeats = 5, threads = 0, train_batch = 128, train_steps = 5;
  std::string json;
};

struct NamedConfig {
  std::string name;
  ModelConfig model;
  double gflop_per_image;  // conv forward FLOPs (issue 4's counts for the reference sizes); 0 unknown
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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize();
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

ncsn::AnnealedLangevinSampler make_sampler(ncsn::NcsnScoreNet net, const ModelConfig& m, const torch::Device& d) {
  auto score = [net](const torch::Tensor& x, const torch::Tensor& l) mutable { return net->forward(x, l); };
  return {score, ncsn::geometric_sigmas(m.sigma_begin, m.sigma_end, m.num_classes).to(d)};
}

// Steps/s of annealed Langevin at one batch size; `frames` converts every state to a host
// 8-bit grid, the worst case of the studio's live view (which takes at most a few per second).
double langevin_steps_per_s(const ncsn::AnnealedLangevinSampler& sampler, const ModelConfig& m, int64_t batch,
                            const Options& o, const torch::Device& d, bool frames) {
  ncsn::LangevinSettings s;
  s.steps_per_level = std::max<int64_t>(1, o.steps / m.num_classes);
  s.frame_every = frames ? 1 : 0;
  const std::vector<int64_t> shape = {m.channels, m.image_size, m.image_size};
  const auto observer = [](const ncsn::LangevinPosition&, const torch::Tensor& x) { (void)ncsn::make_grid(x, 8); };
  const int64_t steps = s.steps_per_level * m.num_classes;
  std::vector<double> rates;
  for (int r = 0; r < o.warmup + o.repeats; ++r) {
    s.seed = static_cast<uint64_t>(r);
    sync(d);
    const auto t0 = Clock::now();
    sampler.sample(batch, shape, s, frames ? ncsn::LangevinObserver(observer) : ncsn::LangevinObserver());
    sync(d);
    if (r >= o.warmup) rates.push_back(steps / seconds_since(t0));
  }
  return median(rates);
}

// Request to the first live frame on the host as an 8-bit grid.
double first_frame_ms(const ncsn::AnnealedLangevinSampler& sampler, const ModelConfig& m, int64_t batch, const Options& o,
                      const torch::Device& d) {
  std::vector<double> times;
  for (int r = 0; r < o.warmup + o.repeats; ++r) {
    ncsn::JobControl control;
    ncsn::LangevinSettings s;
    s.steps_per_level = 1;
    s.frame_every = 1;
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
    if (r >= o.warmup) times.push_back(ms);
  }
  return median(times);
}

// Iterations/s of the real Trainer (DSM loss, Adam step, data batching) on random images.
double train_iters_per_s(const ModelConfig& m, const Options& o, const torch::Device& d) {
  ncsn::ImageDataset data;
  data.images = torch::randint(0, 256, {1024, m.channels, m.image_size, m.image_size}, torch::kU8);
  data.labels = torch::full({1024}, -1, torch::kLong);
  data.name = "random";
  const auto dir = std::filesystem::temp_directory_path() / ("ncsn-bench-" + std::to_string(::getpid()));
  ncsn::TrainConfig t;
  t.batch_size = o.train_batch;
  t.iterations = o.warmup + o.repeats * o.train_steps;
  t.checkpoint_every = t.iterations * 10;
  t.eval_every = 0;
  t.checkpoint_dir = dir.string();
  std::vector<Clock::time_point> at;
  ncsn::TrainerEvents events;
  events.on_progress = [&](const ncsn::TrainProgress&) {
    sync(d);
    at.push_back(Clock::now());
  };
  ncsn::Trainer trainer(m, t, data, data, d);
  trainer.run(events);
  std::filesystem::remove_all(dir);
  std::vector<double> rates;
  for (int r = 0; r < o.repeats; ++r) {
    const size_t a = static_cast<size_t>(o.warmup + r * o.train_steps) - 1, b = a + static_cast<size_t>(o.train_steps);
    rates.push_back(o.train_steps / std::chrono::duration<double>(at[b] - at[a]).count());
  }
  return median(rates);
}

double peak_host_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

int64_t parameter_count(ncsn::NcsnScoreNet& net) {
  int64_t n = 0;
  for (const auto& p : net->parameters()) n += p.numel();
  return n;
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
    else if (a == "--train-steps") o.train_steps = std::stoi(value());
    else if (a == "--json") o.json = value();
    else if (a == "-h" || a == "--help") {
      std::cout << "ncsn-bench [--config small|fm|cifar|all] [--device cpu|cuda|auto] [--batches 1,16,64]\n"
                   "           [--steps N] [--warmup N] [--repeats N] [--threads N] [--train-batch N]\n"
                   "           [--train-steps N] [--json out.json]\n";
      std::exit(0);
    } else throw std::invalid_argument("unknown option " + a);
  }
  if (o.repeats < 1 || o.steps < 1 || o.train_steps < 1 || o.warmup < 1)
    throw std::invalid_argument("--steps, --repeats, --train-steps and --warmup must be at least 1");
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  const torch::Device device = ncsn::select_device(o.device);
  const int threads = ncsn::set_cpu_threads(o.threads);
  const auto batches = !o.batches.empty() ? o.batches
                       : device.is_cuda() ? std::vector<int64_t>{1, 16, 64, 256, 1024}
                                          : std::vector<int64_t>{1, 16, 64};
  nlohmann::json report = {{"engine", "ncsn-studio"},
                           {"torch", TORCH_VERSION},
                           {"device", ncsn::describe_device(device)},
                           {"threads", threads},
                           {"steps", o.steps},
                           {"warmup", o.warmup},
                           {"repeats", o.repeats},
                           {"configs", nlohmann::json::array()}};
  std::cout << "ncsn-bench on " << ncsn::describe_device(device) << ", LibTorch " << TORCH_VERSION << "\n";
  for (const auto& c : configs(o.configs)) {
    torch::manual_seed(0);
    ncsn::NcsnScoreNet net(c.model);
    net->to(device);
    const auto sampler = make_sampler(net, c.model, device);
    nlohmann::json entry = {{"name", c.name}, {"model", c.model.describe()}, {"parameters", parameter_count(net)}};
    std::cout << "\n" << c.name << ": " << c.model.describe() << ", " << parameter_count(net) << " parameters\n";
    std::cout << std::setw(7) << "batch" << std::setw(12) << "steps/s" << std::setw(12) << "images/s" << std::setw(12)
              << "GFLOP/s" << std::setw(16) << "frame cost %" << "\n";
    for (int64_t b : batches) {
      const double plain = langevin_steps_per_s(sampler, c.model, b, o, device, false);
      const double framed = langevin_steps_per_s(sampler, c.model, b, o, device, true);
      const double images = plain * b / 1000.0;  // a full anneal is L*T = 10*100 steps
      const double gflops = c.gflop_per_image * b * plain;
      const double frame_cost = 100.0 * (1.0 - framed / plain);
      std::cout << std::setw(7) << b << std::setw(12) << std::fixed << std::setprecision(2) << plain << std::setw(12)
                << std::setprecision(3) << images << std::setw(12) << std::setprecision(1) << gflops << std::setw(16)
                << frame_cost << "\n";
      entry["langevin"].push_back({{"batch", b}, {"steps_per_s", plain}, {"images_per_s", images},
                                   {"gflop_per_s", gflops}, {"steps_per_s_with_frame_every_step", framed}});
    }
    const double first = first_frame_ms(sampler, c.model, 16, o, device);
    const double train = train_iters_per_s(c.model, o, device);
    std::cout << "first live frame (batch 16): " << std::setprecision(1) << first << " ms\n"
              << "training at batch " << o.train_batch << ": " << std::setprecision(3) << train << " it/s\n";
    entry["first_frame_ms_batch16"] = first;
    entry["train_iters_per_s"] = train;
    entry["train_batch"] = o.train_batch;
    report["configs"].push_back(entry);
  }
  report["peak_host_mib"] = peak_host_mib();
  std::cout << "\npeak host memory: " << std::setprecision(0) << peak_host_mib() << " MiB\n";
  if (!o.json.empty()) std::ofstream(o.json) << report.dump(2) << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "ncsn-bench: " << e.what() << "\n";
  return 1;
}
