// ncsn export: a training checkpoint -> a model to ship or share: the EMA weights when the run
// kept them (otherwise the raw ones), no optimizer state, the training settings kept as a record.
#include <iostream>

#include "cli_common.hpp"
#include "ncsn/checkpoint.hpp"

namespace ncsn::cli {
namespace {

struct ExportOptions {
  CommonOptions common;
  std::string input, out;
};

void run_export(const ExportOptions& o) {
  auto loaded = load_model(o.input, torch::kCPU, /*prefer_ema=*/true);
  auto meta = loaded.meta;
  meta.training["exported_from"] = o.input;
  meta.training["weights"] = loaded.meta.has_ema ? "ema" : "raw";
  save_checkpoint(o.out, loaded.model, meta);
  if (o.common.json) print_json({{"out", o.out}, {"step", meta.step}, {"weights", meta.training["weights"]}});
  else std::cerr << "exported step " << meta.step << " (" << meta.training["weights"].get<std::string>() << " weights) to " << o.out << "\n";
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand("export", "Write a checkpoint's weights (EMA when kept) without the optimizer state, to ship or share");
  cmd->add_option("input", o->input, "Training checkpoint (.ncsn)")->required();
  cmd->add_option("-o,--out", o->out, "Output .ncsn")->required();
  add_common_options(*cmd, o->common);
  cmd->callback([o] { run_export(*o); });
}

}  // namespace ncsn::cli
