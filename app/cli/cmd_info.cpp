// ncsn info: what a checkpoint holds, or (without one) what this machine offers.
#include <filesystem>
#include <iostream>

#include <torch/torch.h>
#include <torch/version.h>

#include "cli_common.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/device.hpp"
#include "ncsn/image_dataset.hpp"
#include "ncsn/noise_schedule.hpp"

namespace ncsn::cli {
namespace {

struct InfoOptions {
  CommonOptions common;
  std::string path;
};

nlohmann::json checkpoint_info(const std::string& path) {
  auto loaded = load_model(path, torch::kCPU, false);
  const auto& m = loaded.meta;
  auto sigmas = geometric_sigmas(m.model.sigma_begin, m.model.sigma_end, m.model.num_classes);
  nlohmann::json j = m;
  j["path"] = path;
  j["parameters"] = count_parameters(*loaded.model);
  j["sigmas"] = std::vector<float>(sigmas.data_ptr<float>(), sigmas.data_ptr<float>() + sigmas.numel());
  return j;
}

nlohmann::json machine_info() {
  return {{"version", NCSN_VERSION},
          {"libtorch", TORCH_VERSION},  // the headers built against (1.13 and 2.x are supported)
          {"cuda_available", torch::cuda::is_available()},
          {"cuda_devices", torch::cuda::device_count()},
          {"cpu_threads", torch::get_num_threads()},
          {"fashion_mnist", default_fashion_mnist_dir()},
          {"fashion_mnist_present", std::filesystem::exists(default_fashion_mnist_dir())}};
}

void print_text(const nlohmann::json& j) {
  for (const auto& [key, value] : j.items()) std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
}

void run_info(InfoOptions& o) {
  apply_threads(o.common);
  const auto j = o.path.empty() ? machine_info() : checkpoint_info(o.path);
  if (o.common.json) print_json(j);
  else print_text(j);
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto o = std::make_shared<InfoOptions>();
  auto* cmd = app.add_subcommand("info", "Describe a checkpoint (config, sigmas, step), or this machine");
  cmd->add_option("checkpoint", o->path, "A .ncsn or reference .pth file");
  add_common_options(*cmd, o->common);
  cmd->callback([o] { run_info(*o); });
}

}  // namespace ncsn::cli
