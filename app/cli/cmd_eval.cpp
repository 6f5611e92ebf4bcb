// ncsn eval: sample-quality figures of a checkpoint (or of every checkpoint in a run folder):
// FD-cls, class histogram, nearest-neighbour distances, held-out DSM loss, and FID/IS with a
// user-supplied TorchScript Inception network. Also trains the FD-cls classifier.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_common.hpp"
#include "ncsn/atomic_file.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/feature_classifier.hpp"
#include "ncsn/imageio/dataset_source.hpp"
#include "ncsn/imageio/model_session.hpp"
#include "ncsn/inception_network.hpp"
#include "ncsn/sample_quality.hpp"
#include "ncsn/shipped_files.hpp"
#include "progress_bar.hpp"

namespace ncsn::cli {
namespace {

struct EvalOptions {
  CommonOptions common;
  std::string checkpoint, run_folder, classifier, inception, out;
  std::string dataset = "fashion-mnist", data_path;
  int64_t image_size = 32, count = 1000, batch = 250, heldout_images = 10000, inception_size = 299;
  bool train_classifier = false;
  ClassifierTraining classifier_training;
  LangevinSettings settings;
};

// What every checkpoint is measured against, loaded once.
struct Reference {
  ImageDataset train, test;
  TrainedClassifier classifier;
  FeatureStats test_stats;
  std::optional<InceptionNetwork> inception;
};

std::pair<ImageDataset, ImageDataset> load_splits(const EvalOptions& o) {
  auto source = DatasetSource::parse(o.dataset, o.data_path);
  source.image_size = o.image_size;
  return {load_dataset(source, Split::Train), load_dataset(source, Split::Test)};
}

std::string classifier_path(const EvalOptions& o) {
  if (!o.classifier.empty()) return o.classifier;
  if (o.dataset == "fashion-mnist")
    if (auto shipped = find_shipped_file(kFashionMnistClassifier)) return *shipped;
  throw ConfigError("no FD-cls classifier for " + o.dataset + ": train one with `ncsn eval --train-classifier --dataset " +
                    o.dataset + " --out FILE` and pass --classifier FILE");
}

Reference load_reference(const EvalOptions& o, torch::Device device) {
  Reference r;
  std::tie(r.train, r.test) = load_splits(o);
  r.classifier = load_classifier(classifier_path(o), device);
  const auto& c = r.classifier.model->config;
  if (c.channels != r.test.channels() || c.image_size != r.test.height())
    throw ConfigError("the classifier takes " + std::to_string(c.channels) + "x" + std::to_string(c.image_size) + "x" +
                      std::to_string(c.image_size) + " images but " + r.test.name + " holds " + std::to_string(r.test.channels()) +
                      "x" + std::to_string(r.test.height()) + "x" + std::to_string(r.test.width()));
  r.test_stats = feature_stats(classifier_features(r.classifier.model, r.test));
  if (!o.inception.empty()) r.inception.emplace(o.inception, o.inception_size, device);
  return r;
}

torch::Tensor draw_samples(ModelSession& session, const EvalOptions& o, const std::string& label) {
  JobControl control;
  stop_on_interrupt(control);
  const int64_t per_chain = session.loaded.meta.model.num_classes * o.settings.steps_per_level;
  const int64_t batches = (o.count + o.batch - 1) / o.batch;
  ProgressBar bar(label, batches * per_chain, std::cerr, show_progress(o.common));
  std::vector<torch::Tensor> parts;
  for (int64_t b = 0; b < batches; ++b) {
    auto settings = o.settings;
    settings.seed = o.settings.seed + static_cast<uint64_t>(b);  // every batch its own chains
    settings.frame_every = 1;
    const auto observer = [&](const LangevinPosition& at, const torch::Tensor&) { bar.update(b * per_chain + at.done); };
    const auto result = session.sampler.sample(std::min(o.batch, o.count - b * o.batch), session.image_shape(), settings, observer, &control);
    if (!result.completed) throw std::runtime_error("evaluation was interrupted; nothing written");
    parts.push_back(result.samples.cpu());
  }
  bar.finish();
  return torch::cat(parts);
}

nlohmann::json evaluate(const std::string& path, const EvalOptions& o, Reference& r, torch::Device device) {
  auto session = ModelSession::open(path, device);
  const auto& m = session.loaded.meta.model;
  if (m.channels != r.test.channels() || m.image_size != r.test.height())
    throw ConfigError("checkpoint " + path + " is for " + std::to_string(m.channels) + "x" + std::to_string(m.image_size) + "x" +
                      std::to_string(m.image_size) + " images but " + r.test.name + " holds " + std::to_string(r.test.channels()) +
                      "x" + std::to_string(r.test.height()) + "x" + std::to_string(r.test.width()));
  const auto samples = draw_samples(session, o, "eval step " + std::to_string(session.loaded.meta.step));
  const auto q = evaluate_sample_quality(samples, r.classifier.model, r.test_stats, r.test, r.train);
  auto net = session.loaded.model;
  const ScoreFunction score = [net](const torch::Tensor& x, const torch::Tensor& l) mutable { return net->forward(x, l); };
  nlohmann::json j = {{"checkpoint", path},
                      {"step", session.loaded.meta.step},
                      {"samples", samples.size(0)},
                      {"steps_per_level", o.settings.steps_per_level},
                      {"step_lr", o.settings.step_lr},
                      {"seed", o.settings.seed},
                      {"fd_cls", q.fd_cls},
                      {"class_counts", q.class_counts},
                      {"classes_covered", q.classes_covered},
                      {"class_total_variation", q.class_total_variation},
                      {"nn_distance_mean", q.nn_distance_mean},
                      {"nn_distance_median", q.nn_distance_median},
                      {"nn_distance_min", q.nn_distance_min},
                      {"heldout_dsm_loss", heldout_dsm_loss(score, r.test, session.sampler.sigmas(), o.heldout_images)},
                      {"heldout_images", std::min(o.heldout_images, r.test.size())}};
  if (r.inception) {
    const auto im = inception_metrics(*r.inception, samples, r.test);
    j["fid"] = im.fid;
    if (im.inception_score) j["inception_score"] = {*im.inception_score, *im.inception_score_std};
  }
  return j;
}

void print_report(const nlohmann::json& j) {
  std::ostringstream s;
  s << std::setprecision(4) << j["checkpoint"].get<std::string>() << " (step " << j["step"] << ", " << j["samples"]
    << " samples, T=" << j["steps_per_level"] << ")\n"
    << "  FD-cls              " << j["fd_cls"].get<double>() << "\n"
    << "  classes covered     " << j["classes_covered"] << " of " << j["class_counts"].size() << ", counts " << j["class_counts"].dump()
    << ", total variation to the test set " << j["class_total_variation"].get<double>() << "\n"
    << "  nearest training    mean " << j["nn_distance_mean"].get<double>() << ", median " << j["nn_distance_median"].get<double>()
    << ", min " << j["nn_distance_min"].get<double>() << " (pixel L2)\n"
    << "  held-out DSM loss   " << j["heldout_dsm_loss"].get<double>() << " (" << j["heldout_images"] << " test images)\n";
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
// checkpoints by sample quality, not by loss). Written to <folder>/scores.json.
void run_folder_scores(const EvalOptions& o, Reference& r, torch::Device device) {
  auto paths = list_checkpoints(o.run_folder);
  if (paths.empty()) throw DataError("no checkpoints in " + o.run_folder);
  std::reverse(paths.begin(), paths.end());
  nlohmann::json scores = nlohmann::json::array();
  std::string best;
  double best_fd = std::numeric_limits<double>::infinity();
  for (const auto& path : paths) {
    auto j = evaluate(path, o, r, device);
    if (j["fd_cls"].get<double>() < best_fd) best_fd = j["fd_cls"].get<double>(), best = path;
    if (!o.common.json) print_report(j);
    scores.push_back(std::move(j));
  }
  const nlohmann::json summary = {{"metric", "fd_cls"}, {"best", best}, {"checkpoints", scores}};
  const std::string out = o.out.empty() ? (std::filesystem::path(o.run_folder) / "scores.json").string() : o.out;
  write_file_atomically(out, summary.dump(2) + "\n");
  if (o.common.json) print_json(summary);
  else std::cout << "best: " << best << " (FD-cls " << best_fd << "); wrote " << out << "\n";
}

void run_eval(EvalOptions& o) {
  const auto device = prepare_device(o.common);
  if (o.train_classifier) return run_train_classifier(o, device);
  if (o.count < 2) throw ConfigError("--count must be at least 2 (a covariance needs two samples)");
  if (o.batch < 1) throw ConfigError("--batch must be at least 1");
  if (o.checkpoint.empty() == o.run_folder.empty()) throw ConfigError("give either --checkpoint FILE or --run-folder DIR");
  auto reference = load_reference(o, device);
  if (!o.run_folder.empty()) return run_folder_scores(o, reference, device);
  const auto j = evaluate(o.checkpoint, o, reference, device);
  if (!o.out.empty()) write_file_atomically(o.out, j.dump(2) + "\n");
  if (o.common.json) print_json(j);
  else print_report(j);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Sample quality: FD-cls, class histogram, nearest neighbours, held-out loss (and FID/IS)");
  cmd->add_option("-c,--checkpoint", o->checkpoint, "Checkpoint to evaluate");
  cmd->add_option("--run-folder", o->run_folder, "Evaluate every checkpoint in this run folder; writes scores.json there");
  cmd->add_option("--classifier", o->classifier, "FD-cls classifier (default: the one shipped for Fashion-MNIST)");
  cmd->add_option("--inception", o->inception, "TorchScript Inception network for FID/IS (forward: RGB [N,3,S,S] in [0,1] -> features or (features, logits))");
  cmd->add_option("--inception-size", o->inception_size, "Input size S of the Inception network")->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "fashion-mnist, mnist, cifar10 or folder")->capture_default_str();
  cmd->add_option("--data", o->data_path, "Dataset location (not needed for the embedded Fashion-MNIST)");
  cmd->add_option("--image-size", o->image_size, "Image folders: centre-crop and resize to this size")->capture_default_str();
  cmd->add_option("-n,--count", o->count, "Samples per checkpoint (the paper uses 1000)")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Chains run together")->capture_default_str();
  cmd->add_option("-T,--steps", o->settings.steps_per_level, "Langevin steps per noise level")->capture_default_str();
  cmd->add_option("--eps", o->settings.step_lr, "Step size eps")->capture_default_str();
  cmd->add_option("--seed", o->settings.seed, "Random seed of the first batch")->capture_default_str();
  cmd->add_flag("--denoise", o->settings.denoise_last, "Finish each chain with one denoising step");
  cmd->add_option("--heldout-images", o->heldout_images, "Test images for the held-out DSM loss")->capture_default_str();
  cmd->add_option("-o,--out", o->out, "Write the report (JSON) here; with --train-classifier, the classifier file");
  cmd->add_flag("--train-classifier", o->train_classifier, "Train the FD-cls classifier on the dataset and write it to --out");
  cmd->add_option("--classifier-iters", o->classifier_training.iterations, "Classifier training iterations")->capture_default_str();
  add_common_options(*cmd, o->common);
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace ncsn::cli
