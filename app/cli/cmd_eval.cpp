// ncsn eval: sample-quality figures of a checkpoint (or of every checkpoint in a run folder):
// FD-cls, class histogram, nearest-neighbour distances, held-out DSM loss, and FID/IS with a
// user-supplied TorchScript Inception network. Also trains the FD-cls classifier.
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_common.hpp"
#include "ncsn/atomic_file.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/feature_classifier.hpp"
#include "ncsn/image_grid.hpp"
#include "ncsn/imageio/png_io.hpp"
#include "ncsn/imageio/dataset_source.hpp"
#include "ncsn/imageio/checkpoint_evaluator.hpp"
#include "progress_bar.hpp"

namespace ncsn::cli {
namespace {

struct EvalOptions {
  CommonOptions common;
  std::string checkpoint, run_folder, classifier, inception, out, grid;
  std::string dataset = "fashion-mnist", data_path;
  int64_t image_size = 32, inception_size = 299;
  bool train_classifier = false, data_baseline = false;
  ClassifierTraining classifier_training;
  EvaluationSettings evaluation;
};

std::pair<ImageDataset, ImageDataset> load_splits(const EvalOptions& o) {
  auto source = DatasetSource::parse(o.dataset, o.data_path);
  source.image_size = o.image_size;
  return {load_dataset(source, Split::Train), load_dataset(source, Split::Test)};
}

CheckpointEvaluator make_evaluator(const EvalOptions& o, torch::Device device) {
  auto [train, test] = load_splits(o);
  auto classifier = load_classifier(classifier_for(o.dataset, o.classifier), device);
  std::optional<InceptionNetwork> inception;
  if (!o.inception.empty()) inception.emplace(o.inception, o.inception_size, device);
  return CheckpointEvaluator(std::move(train), std::move(test), std::move(classifier), device, std::move(inception));
}

// A progress bar that appears with the first report, once the total is known.
struct LazyProgressBar {
  bool enabled;
  std::optional<ProgressBar> bar;
  void update(int64_t done, int64_t total) {
    if (!bar) bar.emplace("eval", total, std::cerr, enabled);
    bar->update(done);
  }
  void finish() {
    if (bar) bar->finish();
  }
};

// The scored samples, square-ish, with the report in the PNG's ncsn:settings text (as ncsn sample does).
void write_samples_grid(const std::string& path, const torch::Tensor& samples, const nlohmann::json& report) {
  const auto columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(samples.size(0)))));
  write_png(path, make_grid(samples, columns), {{"ncsn:settings", report.dump()}});
}

nlohmann::json evaluate(const std::string& path, const EvalOptions& o, CheckpointEvaluator& evaluator) {
  JobControl control;
  stop_on_interrupt(control);
  LazyProgressBar bar{show_progress(o.common), {}};
  torch::Tensor samples;
  auto j = evaluator.evaluate(path, o.evaluation, [&](int64_t done, int64_t total) { bar.update(done, total); }, &control,
                              o.grid.empty() ? nullptr : &samples);
  bar.finish();
  if (!o.grid.empty()) write_samples_grid(o.grid, samples, j);
  return j;
}

void print_report(const nlohmann::json& j, bool reused = false) {
  std::ostringstream s;
  s << std::setprecision(4) << j["checkpoint"].get<std::string>();
  if (j.contains("step")) s << " (step " << j["step"] << ", T=" << j["steps_per_level"] << ")";
  s << ", " << j["samples"] << " images" << (reused ? " (scored before, from the record)" : "") << "\n"
    << "  FD-cls              " << j["fd_cls"].get<double>() << "\n"
    << "  classes covered     " << j["classes_covered"] << " of " << j["class_counts"].size() << ", counts " << j["class_counts"].dump()
    << ", total variation to the test set " << j["class_total_variation"].get<double>() << "\n";
  if (j.contains("nn_distance_mean"))
    s << "  nearest training    mean " << j["nn_distance_mean"].get<double>() << ", median " << j["nn_distance_median"].get<double>()
      << ", min " << j["nn_distance_min"].get<double>() << " (pixel L2)\n";
  if (j.contains("heldout_dsm_loss"))
    s << "  held-out DSM loss   " << j["heldout_dsm_loss"].get<double>() << " (" << j["heldout_images"] << " test images)\n";
  if (j.contains("fid")) s << "  FID                 " << j["fid"].get<double>() << "\n";
  if (j.contains("inception_score"))
    s << "  Inception score     " << j["inception_score"][0].get<double>() << " ± " << j["inception_score"][1].get<double>() << "\n";
  std::cout << s.str() << std::flush;
}

void run_train_classifier(const EvalOptions& o, torch::Device device) {
  if (o.out.empty()) throw ConfigError("--train-classifier needs --out FILE");
  const auto [train, test] = load_splits(o);
  const auto trained = train_feature_classifier(train, test, o.classifier_training, device);
  save_classifier(o.out, trained);
  if (o.common.json) print_json({{"out", o.out}, {"test_accuracy", trained.test_accuracy}, {"dataset", trained.dataset}});
  else std::cout << "wrote " << o.out << ": test accuracy " << trained.test_accuracy << " on " << trained.dataset << "\n";
}

// Every checkpoint of a run folder, oldest first; the lowest FD-cls is the best (the paper picks
// checkpoints by sample quality, not by loss). Each score goes to <folder>/scores.json as soon as
// it exists, so the same command run again continues a stopped pass.
void run_folder_scores(const EvalOptions& o, CheckpointEvaluator& evaluator) {
  auto paths = list_checkpoints(o.run_folder);
  if (paths.empty()) throw DataError("no checkpoints in " + o.run_folder);
  std::reverse(paths.begin(), paths.end());
  ScoreRecord record(o.out.empty() ? score_record_path(o.run_folder) : o.out);
  JobControl control;
  stop_on_interrupt(control);
  LazyProgressBar bar{show_progress(o.common), {}};
  nlohmann::json summary;
  try {
    summary = evaluator.score(
        paths, o.evaluation, record, [&](const nlohmann::json& j, bool reused) { if (!o.common.json) print_report(j, reused); },
        [&](int64_t done, int64_t total) { bar.update(done, total); }, &control);
  } catch (const std::runtime_error&) {
    if (!interrupted()) throw;
    bar.finish();
    const auto kept = record.summary(paths, evaluator.scoring_settings(o.evaluation))["checkpoints"].size();
    std::cerr << "stopped: " << kept << " of " << paths.size() << " checkpoints are scored in " << record.path()
              << "; the same command continues from there (the finished batches of the checkpoint it was on are kept too)\n";
    return;
  }
  bar.finish();
  if (o.common.json) print_json(summary);
  else std::cout << "best: " << summary.value("best", std::string("none")) << "; wrote " << record.path() << "\n";
}

void run_eval(EvalOptions& o) {
  const auto device = prepare_device(o.common);
  if (o.train_classifier) return run_train_classifier(o, device);
  if (int(!o.checkpoint.empty()) + int(!o.run_folder.empty()) + int(o.data_baseline) != 1)
    throw ConfigError("give one of --checkpoint FILE, --run-folder DIR or --data-baseline");
  if (!o.grid.empty() && o.checkpoint.empty()) throw ConfigError("--grid shows the samples of one --checkpoint");
  if (!o.grid.empty()) check_png_output(o.grid);
  auto evaluator = make_evaluator(o, device);
  if (!o.run_folder.empty()) return run_folder_scores(o, evaluator);
  const auto j = o.data_baseline ? evaluator.measure_training_images(o.evaluation.count, o.evaluation.langevin.seed)
                                 : evaluate(o.checkpoint, o, evaluator);
  if (!o.out.empty()) write_file_atomically(o.out, j.dump(2) + "\n");
  if (o.common.json) print_json(j);
  else print_report(j);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Sample quality: FD-cls, class histogram, nearest neighbours, held-out loss (and FID/IS)");
  cmd->add_option("-c,--checkpoint", o->checkpoint, "Checkpoint to evaluate");
  cmd->add_option("--run-folder", o->run_folder, "Evaluate every checkpoint in this run folder, keeping the scores in scores.json there (a second run reuses them)");
  cmd->add_option("--classifier", o->classifier, "FD-cls classifier (default: the one shipped for Fashion-MNIST)");
  cmd->add_option("--inception", o->inception, "TorchScript Inception network for FID/IS (forward: RGB [N,3,S,S] in [0,1] -> features or (features, logits))");
  cmd->add_option("--inception-size", o->inception_size, "Input size S of the Inception network")->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "fashion-mnist, mnist, cifar10 or folder")->capture_default_str();
  cmd->add_option("--data", o->data_path, "Dataset location (not needed for the embedded Fashion-MNIST)");
  cmd->add_option("--image-size", o->image_size, "Image folders: centre-crop and resize to this size")->capture_default_str();
  cmd->add_option("-n,--count", o->evaluation.count, "Samples per checkpoint (the paper uses 1000)")->capture_default_str();
  cmd->add_option("--batch", o->evaluation.batch, "Chains run together")->capture_default_str();
  cmd->add_option("-T,--steps", o->evaluation.langevin.steps_per_level, "Langevin steps per noise level")->capture_default_str();
  cmd->add_option("--eps", o->evaluation.langevin.step_lr, "Step size eps")->capture_default_str();
  cmd->add_option("--seed", o->evaluation.langevin.seed, "Random seed of the first batch")->capture_default_str();
  cmd->add_flag("--denoise", o->evaluation.langevin.denoise_last, "Finish each chain with one denoising step");
  cmd->add_option("--heldout-images", o->evaluation.heldout_images, "Test images for the held-out DSM loss")->capture_default_str();
  cmd->add_option("--grid", o->grid, "Also write the samples that were scored as a PNG grid");
  cmd->add_option("-o,--out", o->out, "Write the report (JSON) here; with --run-folder, the score record; with --train-classifier, the classifier file");
  cmd->add_flag("--data-baseline", o->data_baseline,
                "Measure --count random training images instead of samples: the score of a perfect model at this count");
  cmd->add_flag("--train-classifier", o->train_classifier, "Train the FD-cls classifier on the dataset and write it to --out");
  cmd->add_option("--classifier-iters", o->classifier_training.iterations, "Classifier training iterations")->capture_default_str();
  add_common_options(*cmd, o->common);
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace ncsn::cli
