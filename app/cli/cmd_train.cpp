// ncsn train: denoising score matching on a dataset, with checkpoints and automatic resume.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_common.hpp"
#include "ncsn/atomic_file.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/cpu_convolution_check.hpp"
#include "ncsn/data_parallel_group.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/imageio/dataset_source.hpp"
#include "ncsn/trainer.hpp"
#include "progress_bar.hpp"

namespace ncsn::cli {
namespace {

struct TrainOptions {
  CommonOptions common;
  std::string dataset = "fashion-mnist";
  std::string data_path;
  int64_t image_size = 32;
  std::string flip = "auto";
  std::string resume = "auto";
  std::string init;
  std::string on_nan = "stop";
  std::string on_write_error = "stop";
  std::string amp = "off";
  std::string config_file;
  ModelConfig model;
  TrainConfig train;
  DataParallelConfig processes;
};

// torchrun's variables, so that its launcher (or a job scheduler that sets them) can start us.
std::string default_rendezvous() {
  const char* host = std::getenv("MASTER_ADDR");
  const char* port = std::getenv("MASTER_PORT");
  if (!host || !*host) return DataParallelConfig{}.rendezvous;
  return std::string(host) + ":" + (port && *port ? port : "29500");
}

std::string loss_text(double loss, const std::optional<double>& heldout) {
  std::ostringstream s;
  s.precision(4);
  s << "loss " << loss;
  if (heldout) s << " held-out " << *heldout;
  return s.str();
}

nlohmann::json progress_json(const TrainProgress& p) {
  nlohmann::json j = {{"event", "progress"}, {"step", p.step}, {"total", p.total}, {"loss", p.loss},
                      {"lr", p.lr},          {"iters_per_s", p.iters_per_s}};
  if (p.heldout_loss) j["heldout_loss"] = *p.heldout_loss;
  if (p.skipped_steps > 0) j["skipped_steps"] = p.skipped_steps;  // fp16 overflows
  return j;
}

// A JSON config file supplies defaults and flags override it. Resuming a run folder reads the
// config.json saved there, so `ncsn train --out DIR` continues the same model.
void apply_config_file(TrainOptions& o, const CLI::App& cmd) {
  const auto saved = std::filesystem::path(o.train.checkpoint_dir) / "config.json";
  if (o.config_file.empty() && o.resume == "auto" && std::filesystem::exists(saved)) o.config_file = saved.string();
  if (o.config_file.empty()) return;
  std::ifstream in(o.config_file);
  if (!in) throw DataError("cannot read config file " + o.config_file);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw DataError("config file " + o.config_file + " is not valid JSON (" + e.what() + ")");
  }
  const auto model = o.model;
  const auto train = o.train;
  try {
    if (j.contains("model")) o.model = j["model"].get<ModelConfig>();
    if (j.contains("training")) o.train = j["training"].get<TrainConfig>();
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("config file " + o.config_file + " has a value of the wrong type (" + e.what() + ")");
  }
  // Flags given on the command line win over the file.
  auto given = [&](const char* name) { return cmd.count(name) > 0; };
  if (given("--ngf")) o.model.ngf = model.ngf;
  if (given("--levels")) o.model.num_classes = model.num_classes;
  if (given("--sigma-begin")) o.model.sigma_begin = model.sigma_begin;
  if (given("--sigma-end")) o.model.sigma_end = model.sigma_end;
  if (given("--batch")) o.train.batch_size = train.batch_size;
  if (given("--accumulate")) o.train.accumulate = train.accumulate;
  if (given("--amp")) o.train.mixed_precision = train.mixed_precision;
  if (given("--lr")) o.train.lr = train.lr;
  if (given("--iters")) o.train.iterations = train.iterations;
  if (given("--checkpoint-every")) o.train.checkpoint_every = train.checkpoint_every;
  if (given("--eval-every")) o.train.eval_every = train.eval_every;
  if (given("--ema")) o.train.ema_rate = train.ema_rate;
  if (given("--seed")) o.train.seed = train.seed;
  if (given("--on-nan")) o.train.on_non_finite = train.on_non_finite;
  if (given("--on-write-error")) o.train.on_write_error = train.on_write_error;
  // Flips saved in the file stand; "auto" decides by the dataset only where the file says nothing.
  if (j.contains("training") && j["training"].contains("random_flip") && !given("--flip"))
    o.flip = o.train.random_flip ? "on" : "off";
  o.train.checkpoint_dir = train.checkpoint_dir;  // the run folder is where we are, even if it moved
  if (j.contains("dataset") && !given("--dataset")) o.dataset = j["dataset"].get<std::string>();
  // The saved location and size belong to the saved dataset, not to one named on the command line.
  const bool same_dataset = j.value("dataset", std::string()) == o.dataset;
  if (same_dataset && j.contains("data") && !given("--data")) o.data_path = j["data"].get<std::string>();
  if (same_dataset && j.contains("image_size") && !given("--image-size")) o.image_size = j["image_size"].get<int64_t>();
}

void write_run_config(const TrainOptions& o) {
  std::filesystem::create_directories(o.train.checkpoint_dir);
  const nlohmann::json j = {{"model", o.model},     {"training", o.train},          {"dataset", o.dataset},
                            {"data", o.data_path}, {"image_size", o.image_size}};
  // Atomic: a kill or a full disk must not leave a truncated config that blocks the next resume.
  write_file_atomically((std::filesystem::path(o.train.checkpoint_dir) / "config.json").string(), j.dump(2) + "\n");
}

// --init: a new run starts from that model and takes its architecture; `--resume auto` on a folder
// with checkpoints continues them instead, so that the same command resumes a stopped run.
std::optional<LoadedModel> initial_model(TrainOptions& o) {
  if (o.init.empty()) return std::nullopt;
  if (o.resume != "auto" && o.resume != "none")
    throw ConfigError("--init starts a new run and --resume " + o.resume + " continues one: give only one of them");
  return load_initial_model(o.init, o.resume == "auto" ? o.train.checkpoint_dir : std::string(), o.model);
}

void run_train(TrainOptions& o, const CLI::App& cmd) {
  o.train.mixed_precision = parse_mixed_precision(o.amp);
  o.train.on_non_finite = o.on_nan == "rollback" ? NonFinitePolicy::Rollback : NonFinitePolicy::Stop;
  o.train.on_write_error = o.on_write_error == "continue" ? WriteFailurePolicy::Continue : WriteFailurePolicy::Stop;
  apply_config_file(o, cmd);
  const auto device = prepare_device(o.common);
  auto source = DatasetSource::parse(o.dataset, o.data_path);
  source.image_size = o.image_size;
  auto train_set = load_dataset(source, Split::Train);
  auto test_set = load_dataset(source, Split::Test);
  o.model.channels = train_set.channels();
  o.model.image_size = train_set.height();
  const auto init = initial_model(o);
  o.train.random_flip = o.flip == "auto" ? source.random_flip_by_default() : o.flip == "on";

  Trainer trainer(o.model, o.train, train_set, test_set, device);
  if (o.processes.world_size > 1) trainer.join_processes(o.processes);
  trainer.claim_run_folder();  // before config.json is written: a run in progress keeps its own
  std::optional<std::string> resumed;
  if (init) trainer.start_from(*init);
  else if (o.resume == "auto") resumed = trainer.resume_latest();
  else if (o.resume != "none") {
    trainer.resume_from(o.resume);
    resumed = o.resume;
  }
  // Process 0 speaks for the group and keeps its files; the others say only what goes wrong.
  const bool lead = o.processes.world_size == 1 || o.processes.rank == 0;
  if (lead) write_run_config(o);
  const auto log = [&](const std::string& text) {
    if (!lead) return;
    if (o.common.json) print_json({{"event", "message"}, {"text", text}});
    else std::cerr << text << "\n";
  };
  const std::string processes =
      o.processes.world_size > 1 ? " in " + std::to_string(o.processes.world_size) + " processes" : "";
  log("training " + o.model.describe() + " on " + train_set.name + " (" + std::to_string(train_set.size()) +
      " images) on " + device.str() + processes + (resumed ? ", resumed from " + *resumed : "") +
      (init ? ", starting from " + o.init + " (step " + std::to_string(init->meta.step) + ")" : ""));
  if (const auto notice = cpu_convolution_notice(device); !notice.empty()) log(notice);
  if (trainer.removed_temp_files() > 0)
    log("removed " + std::to_string(trainer.removed_temp_files()) + " unfinished temp file(s) left by an interrupted run");

  JobControl control;
  stop_on_interrupt(control);
  ProgressBar bar("train", o.train.iterations, std::cerr, lead && show_progress(o.common));
  std::optional<double> last_heldout;
  TrainerEvents events;
  events.on_progress = [&](const TrainProgress& p) {
    if (p.heldout_loss) last_heldout = p.heldout_loss;
    if (lead && o.common.json && (p.heldout_loss || p.step % 10 == 0)) print_json(progress_json(p));
    bar.update(p.step, loss_text(p.loss, last_heldout));
  };
  events.on_checkpoint = [&](int64_t step, const std::string& path, double heldout) {
    if (!lead || !o.common.json) return;
    nlohmann::json j = {{"event", "checkpoint"}, {"step", step}, {"path", path}};
    if (std::isfinite(heldout)) j["heldout_loss"] = heldout;
    print_json(j);
  };
  events.on_message = log;
  const auto result = trainer.run(events, &control);
  bar.finish();
  if (!lead) return;
  if (o.common.json) {
    print_json({{"event", "finished"}, {"step", result.step}, {"completed", result.completed},
                {"checkpoint", result.last_checkpoint}});
  } else {
    std::cerr << (result.completed ? "finished" : "stopped") << " at step " << result.step << "; checkpoint "
              << result.last_checkpoint << "\n";
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  auto* cmd = app.add_subcommand("train", "Train an NCSN with denoising score matching (resumes automatically)");
  cmd->add_option("--dataset", o->dataset, "fashion-mnist, mnist, cifar10 or folder")->capture_default_str();
  cmd->add_option("--data", o->data_path, "Dataset location (not needed for the embedded Fashion-MNIST)");
  cmd->add_option("--image-size", o->image_size, "Image folders: centre-crop and resize to this size")->capture_default_str();
  cmd->add_option("-o,--out", o->train.checkpoint_dir, "Run folder for checkpoints")->capture_default_str();
  cmd->add_option("--config", o->config_file, "JSON config (as saved in a run folder); flags override it");
  cmd->add_option("--ngf", o->model.ngf, "Network width (reference: 64 for 28x28, 128 for 32x32)")->capture_default_str();
  cmd->add_option("--levels", o->model.num_classes, "Number of noise levels L")->capture_default_str();
  cmd->add_option("--sigma-begin", o->model.sigma_begin, "Largest noise level sigma_1")->capture_default_str();
  cmd->add_option("--sigma-end", o->model.sigma_end, "Smallest noise level sigma_L")->capture_default_str();
  cmd->add_option("--batch", o->train.batch_size, "Batch size")->capture_default_str();
  cmd->add_option("--accumulate", o->train.accumulate,
                  "Process each batch in this many parts, summing their gradients (the same step in less memory)")
      ->capture_default_str();
  cmd->add_option("--amp", o->amp,
                  "Mixed precision: off, bf16, or fp16 (CUDA; with loss scaling). Weights, loss and sampling stay float32")
      ->check(CLI::IsMember({"off", "bf16", "fp16"}))->capture_default_str();
  cmd->add_option("--lr", o->train.lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--iters", o->train.iterations, "Total iterations (counting those already done)")->capture_default_str();
  cmd->add_option("--checkpoint-every", o->train.checkpoint_every, "Iterations between checkpoints")->capture_default_str();
  cmd->add_option("--eval-every", o->train.eval_every, "Iterations between held-out losses (0: never)")->capture_default_str();
  cmd->add_option("--ema", o->train.ema_rate, "EMA rate of the weights (0: off, e.g. 0.999)")->capture_default_str();
  cmd->add_option("--flip", o->flip, "Random horizontal flips: auto (CIFAR-10 and folders), on or off")
      ->check(CLI::IsMember({"auto", "on", "off"}))->capture_default_str();
  cmd->add_option("--seed", o->train.seed, "Random seed (weights, data order, noise)")->capture_default_str();
  cmd->add_option("--resume", o->resume, "auto (newest checkpoint in the run folder), none, or a checkpoint file")->capture_default_str();
  auto* init = cmd->add_option("--init", o->init,
                                "Start a new run from this model's weights and architecture (an exported or shipped "
                                ".ncsn, a checkpoint, or a reference .pth), with a fresh optimizer");
  for (const char* architecture : {"--ngf", "--levels", "--sigma-begin", "--sigma-end"})
    init->excludes(cmd->get_option(architecture));
  cmd->add_option("--on-nan", o->on_nan, "On a NaN/Inf loss: stop, or rollback to the last checkpoint with half the lr")
      ->check(CLI::IsMember({"stop", "rollback"}))->capture_default_str();
  cmd->add_option("--on-write-error", o->on_write_error,
                  "When a checkpoint cannot be written (disk full): stop, or continue and retry at the next one")
      ->check(CLI::IsMember({"stop", "continue"}))->capture_default_str();
  o->processes.rendezvous = default_rendezvous();
  cmd->add_option("--processes", o->processes.world_size,
                  "Train in this many processes (on one machine or several), each on its share of every batch; "
                  "start each with its own --rank")
      ->envname("WORLD_SIZE")->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--rank", o->processes.rank,
                  "This process, 0 to --processes - 1 (process 0 writes the checkpoints; ignored with one process)")
      ->envname("RANK")->capture_default_str();
  cmd->add_option("--rendezvous", o->processes.rendezvous,
                  "Where the processes meet: HOST:PORT (process 0 listens; default MASTER_ADDR:MASTER_PORT) or "
                  "file:PATH (a new file on a folder they share)")
      ->capture_default_str();
  add_common_options(*cmd, o->common);
  cmd->callback([o, cmd] { run_train(*o, *cmd); });
}

}  // namespace ncsn::cli
