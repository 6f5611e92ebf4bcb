#include "cli_common.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "ncsn/device.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/free_cpu_cores.hpp"
#include "ncsn/shipped_files.hpp"

namespace ncsn::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) { g_interrupted = true; }

}  // namespace

void add_common_options(CLI::App& command, CommonOptions& options) {
  command.add_option("--device", options.device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  command.add_option("--threads", options.threads, "CPU threads for tensor work (0: the cores that other busy processes leave free at the start)");
  command.add_flag("--json", options.json, "Machine-readable JSON on stdout");
  command.add_flag("-q,--quiet", options.quiet, "No progress bar");
}

int apply_threads(const CommonOptions& options) {
  return options.threads > 0 ? set_cpu_threads(options.threads) : use_free_cpu_cores();
}

torch::Device prepare_device(const CommonOptions& options) {
  apply_threads(options);
  return select_device(options.device);
}

bool show_progress(const CommonOptions& options) { return !options.json && !options.quiet && ::isatty(STDERR_FILENO); }

void stop_on_interrupt(JobControl& control) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Signal handlers may only set flags; this watcher turns the flag into a stop request.
  std::thread([&control] {
    while (!g_interrupted) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    control.request_stop(StopRequest::Now);
  }).detach();
}

bool interrupted() { return g_interrupted; }

void print_json(const nlohmann::json& value) { std::cout << value.dump() << std::endl; }

std::string checkpoint_or_default(const std::string& given) {
  if (!given.empty()) return given;
  if (auto shipped = find_shipped_file(kDefaultModel)) return *shipped;
  throw ConfigError("no model given and none shipped: pass --checkpoint FILE (train one with `ncsn train`, or import a reference .pth with `ncsn import`)");
}

}  // namespace ncsn::cli
