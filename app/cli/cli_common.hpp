#pragma once
// What every `ncsn` subcommand shares: device/threads/output options and Ctrl-C handling.
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "ncsn/job_control.hpp"
#include "ncsn/model_config.hpp"

namespace ncsn::cli {

struct CommonOptions {
  std::string device = "auto";
  int threads = 0;
  bool json = false;   // machine-readable output on stdout
  bool quiet = false;  // no progress bar
};

void add_common_options(CLI::App& command, CommonOptions& options);
// --threads: N threads, or with 0 the cores other work leaves free now (free_cpu_cores).
int apply_threads(const CommonOptions& options);
// Applies threads and resolves the device (ConfigError on an unusable choice).
torch::Device prepare_device(const CommonOptions& options);
bool show_progress(const CommonOptions& options);  // a terminal, and neither --json nor --quiet

// Ctrl-C / SIGTERM ask the running job to stop cleanly (training then writes a checkpoint).
void stop_on_interrupt(JobControl& control);
bool interrupted();

void print_json(const nlohmann::json& value);
// The --checkpoint given, else the model that ships with the studio; ConfigError saying how to
// get one when neither exists.
std::string checkpoint_or_default(const std::string& given);

// Registration of each subcommand: adds it to `app` and returns the callback target.
void add_train_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_inpaint_command(CLI::App& app);
void add_denoise_command(CLI::App& app);
void add_toy_command(CLI::App& app);
void add_import_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_export_command(CLI::App& app);

}  // namespace ncsn::cli
