// ncsn import: convert a reference PyTorch checkpoint into the studio's own format.
#include <iostream>

#include "cli_common.hpp"
#include "ncsn/checkpoint.hpp"

namespace ncsn::cli {
namespace {

struct ImportOptions {
  CommonOptions common;
  std::string input, out;
  ModelConfig defaults;
};

void run_import(ImportOptions& o, const CLI::App& cmd) {
  ModelConfig* defaults = nullptr;
  if (cmd.count("--image-size") || cmd.count("--sigma-begin") || cmd.count("--sigma-end")) defaults = &o.defaults;
  auto loaded = import_reference_checkpoint(o.input, torch::kCPU, defaults);
  if (!defaults) loaded.meta.model.image_size = loaded.meta.model.channels == 1 ? 28 : 32;
  if (o.out.empty()) o.out = o.input.substr(0, o.input.rfind('.')) + ".ncsn";
  save_checkpoint(o.out, loaded.model, loaded.meta);
  if (o.common.json) print_json({{"out", o.out}, {"model", loaded.meta.model}, {"parameters", count_parameters(*loaded.model)}});
  else std::cerr << "imported " << loaded.meta.model.describe() << " (" << count_parameters(*loaded.model) << " parameters) to " << o.out << "\n";
}

}  // namespace

void add_import_command(CLI::App& app) {
  auto o = std::make_shared<ImportOptions>();
  auto* cmd = app.add_subcommand("import", "Import a checkpoint saved by the reference PyTorch code (ermongroup/ncsn)");
  cmd->add_option("input", o->input, "torch.save([model.state_dict(), optimizer.state_dict()]) file")->required();
  cmd->add_option("-o,--out", o->out, "Output .ncsn (default: beside the input)");
  cmd->add_option("--image-size", o->defaults.image_size, "Image size (default 28 for grey, 32 for colour)");
  cmd->add_option("--sigma-begin", o->defaults.sigma_begin, "sigma_1 used in training")->capture_default_str();
  cmd->add_option("--sigma-end", o->defaults.sigma_end, "sigma_L used in training")->capture_default_str();
  add_common_options(*cmd, o->common);
  cmd->callback([o, cmd] { run_import(*o, *cmd); });
}

}  // namespace ncsn::cli
