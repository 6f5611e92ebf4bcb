// ncsn export: a training checkpoint -> a model to ship or share: the EMA weights when the run
// kept them (otherwise the raw ones), no optimizer state, the training settings kept as a record.
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "cli_common.hpp"
#include "ncsn/checkpoint.hpp"

namespace ncsn::cli {
namespace {

struct ExportOptions {
  CommonOptions common;
  std::string input, out;
  bool fp16 = false;
};

void run_export(const ExportOptions& o) {
  auto loaded = load_model(o.input, torch::kCPU, /*prefer_ema=*/true);
  auto meta = loaded.meta;
  meta.training["exported_from"] = o.input;
  // Exporting an export keeps its record of which weights it holds.
  meta.training["weights"] = loaded.meta.has_ema ? "ema" : loaded.meta.training.value("weights", "raw");
  meta.weights_dtype = o.fp16 ? "float16" : "float32";
  save_checkpoint(o.out, loaded.model, meta);
  const auto bytes = std::filesystem::file_size(o.out);
  const auto weights = meta.training["weights"].get<std::string>();
  if (o.common.json)
    print_json({{"out", o.out}, {"step", meta.step}, {"weights", weights}, {"dtype", meta.weights_dtype}, {"bytes", bytes}});
  else
    std::cerr << "exported step " << meta.step << " (" << weights << " weights, " << meta.weights_dtype << ", "
              << std::fixed << std::setprecision(1) << bytes / 1048576.0 << " MiB) to " << o.out << "\n";
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand("export", "Write a checkpoint's weights (EMA when kept) without the optimizer state, to ship or share");
  cmd->add_option("input", o->input, "Training checkpoint (.ncsn)")->required();
  cmd->add_option("-o,--out", o->out, "Output .ncsn")->required();
  cmd->add_flag("--fp16", o->fp16, "Store the weights as 16-bit floats (half the size; loading converts them back to 32-bit)");
  add_common_options(*cmd, o->common);
  cmd->callback([o] { run_export(*o); });
}

}  // namespace ncsn::cli
