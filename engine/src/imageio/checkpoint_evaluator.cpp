#include "ncsn/imageio/checkpoint_evaluator.hpp"

#include <numeric>

#include "ncsn/checkpoint.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/imageio/model_session.hpp"
#include "ncsn/shipped_files.hpp"
#include "ncsn/tensor_fingerprint.hpp"

namespace ncsn {
namespace {

std::string shape_text(int64_t c, int64_t h, int64_t w) {
  return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
}

}  // namespace

std::string classifier_for(const std::string& dataset_kind, const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  if (dataset_kind == "fashion-mnist")
    if (auto shipped = find_shipped_file(kFashionMnistClassifier)) return *shipped;
  throw ConfigError("no FD-cls classifier for " + dataset_kind + ": train one with `ncsn eval --train-classifier --dataset " +
                    dataset_kind + " --out FILE` and pass --classifier FILE");
}

CheckpointEvaluator::CheckpointEvaluator(ImageDataset train, ImageDataset test, TrainedClassifier classifier,
                                         torch::Device device, std::optional<InceptionNetwork> inception)
    : train_(std::move(train)),
      test_(std::move(test)),
      classifier_(std::move(classifier)),
      device_(device),
      inception_(std::move(inception)) {
  const auto& c = classifier_.model->config;
  if (c.channels != test_.channels() || c.image_size != test_.height() || c.image_size != test_.width())
    throw ConfigError("the classifier takes " + shape_text(c.channels, c.image_size, c.image_size) + " images but " + test_.name +
                      " holds " + shape_text(test_.channels(), test_.height(), test_.width()));
  classifier_.model->to(device_);
  test_stats_ = feature_stats(classifier_features(classifier_.model, test_));
  classifier_fingerprint_ = tensor_fingerprint(classifier_.model->parameters());
  if (inception_) inception_fingerprint_ = inception_->fingerprint();
}

nlohmann::json CheckpointEvaluator::scoring_settings(const EvaluationSettings& s) const {
  nlohmann::json j = {{"samples", s.count},
                      {"batch", s.batch},
                      {"steps_per_level", s.langevin.steps_per_level},
                      {"step_lr", s.langevin.step_lr},
                      {"seed", s.langevin.seed},
                      {"denoise", s.langevin.denoise_last},
                      {"heldout_images", std::min(s.heldout_images, test_.size())},
                      {"test_set", test_.name},
                      {"classifier", classifier_fingerprint_}};
  if (inception_) j["inception"] = inception_fingerprint_;
  return j;
}

int64_t CheckpointEvaluator::total_steps(const EvaluationSettings& s, int64_t levels) {
  const int64_t batches = (s.count + s.batch - 1) / s.batch;
  return batches * levels * s.langevin.steps_per_level;
}

nlohmann::json CheckpointEvaluator::evaluate(const std::string& checkpoint, const EvaluationSettings& s,
                                             const Progress& progress, JobControl* control, torch::Tensor* samples) {
  return evaluate_from(checkpoint, s, {}, {}, progress, control, samples);
}

nlohmann::json CheckpointEvaluator::evaluate_from(const std::string& checkpoint, const EvaluationSettings& s,
                                                  const torch::Tensor& drawn_before, const BatchDone& batch_done,
                                                  const Progress& progress, JobControl* control, torch::Tensor* samples) {
  if (s.count < 2) throw ConfigError("evaluation needs at least 2 samples (a covariance needs two)");
  if (s.batch < 1) throw ConfigError("the evaluation batch must be at least 1");
  auto session = ModelSession::open(checkpoint, device_);
  const auto& m = session.loaded.meta.model;
  if (m.channels != test_.channels() || m.image_size != test_.height())
    throw ConfigError("checkpoint " + checkpoint + " is for " + shape_text(m.channels, m.image_size, m.image_size) +
                      " images but " + test_.name + " holds " + shape_text(test_.channels(), test_.height(), test_.width()));

  const int64_t per_batch = m.num_classes * s.langevin.steps_per_level;
  const int64_t total = total_steps(s, m.num_classes);
  std::vector<torch::Tensor> parts;
  int64_t drawn = 0;
  // Whole batches of these settings only: batch b's chains start from seed + b, so going on at
  // the next batch gives the samples of an uninterrupted run.
  if (drawn_before.defined() && drawn_before.size(0) % s.batch == 0 && drawn_before.size(0) < s.count &&
      drawn_before.sizes().slice(1).vec() == session.image_shape()) {
    parts.push_back(drawn_before);
    drawn = drawn_before.size(0);
  }
  for (int64_t b = drawn / s.batch; drawn < s.count; ++b) {
    auto langevin = s.langevin;
    langevin.seed = s.langevin.seed + static_cast<uint64_t>(b);  // every batch its own chains
    langevin.frame_every = 1;
    const auto observer = [&](const LangevinPosition& at, const torch::Tensor&) {
      if (progress) progress(b * per_batch + at.done, total);
    };
    const auto result = session.sampler.sample(std::min(s.batch, s.count - drawn), session.image_shape(), langevin, observer, control);
    if (!result.completed) throw std::runtime_error("the evaluation was stopped");
    parts.push_back(result.samples.cpu());
    drawn += result.samples.size(0);
    if (batch_done && drawn < s.count) batch_done(torch::cat(parts));
  }
  const auto all = torch::cat(parts);
  if (samples) *samples = all;
  auto j = measure(all);
  j.update({{"checkpoint", checkpoint},
            {"step", session.loaded.meta.step},
            {"steps_per_level", s.langevin.steps_per_level},
            {"step_lr", s.langevin.step_lr},
            {"seed", s.langevin.seed},
            {"heldout_dsm_loss", heldout_dsm_loss(score_function(session.loaded.model), test_, session.sampler.sigmas(), s.heldout_images)},
            {"heldout_images", std::min(s.heldout_images, test_.size())}});
  return j;
}

nlohmann::json CheckpointEvaluator::measure(const torch::Tensor& samples) {
  const auto q = evaluate_sample_quality(samples, classifier_.model, test_stats_, test_, train_);
  nlohmann::json j = {{"samples", samples.size(0)},
                      {"fd_cls", q.fd_cls},
                      {"class_counts", q.class_counts},
                      {"classes_covered", q.classes_covered},
                      {"class_total_variation", q.class_total_variation},
                      {"nn_distance_mean", q.nn_distance_mean},
                      {"nn_distance_median", q.nn_distance_median},
                      {"nn_distance_min", q.nn_distance_min}};
  if (inception_) {
    const auto im = inception_metrics(*inception_, samples, test_);
    j["fid"] = im.fid;
    if (im.inception_score) j["inception_score"] = {*im.inception_score, *im.inception_score_std};
  }
  return j;
}

nlohmann::json CheckpointEvaluator::measure_training_images(int64_t count, uint64_t seed) {
  if (count < 2) throw ConfigError("the data baseline needs at least 2 images");
  torch::manual_seed(seed);
  const auto picks = torch::randperm(train_.size()).narrow(0, 0, std::min(count, train_.size()));
  auto j = measure(train_.batch(picks));
  j["checkpoint"] = "training images (the data itself)";
  // Training images are their own nearest neighbours; distances to the others say nothing here.
  j.erase("nn_distance_mean"), j.erase("nn_distance_median"), j.erase("nn_distance_min");
  return j;
}

nlohmann::json CheckpointEvaluator::score(const std::vector<std::string>& checkpoints, const EvaluationSettings& settings,
                                          ScoreRecord& record, const OnScored& on_scored, const Progress& progress,
                                          JobControl* control) {
  if (checkpoints.empty()) throw ConfigError("there are no checkpoints to score");
  const auto identity = scoring_settings(settings);
  // Reading every checkpoint's metadata first gives the progress total and reports a damaged
  // file before hours of sampling rather than after.
  std::vector<int64_t> steps;
  std::vector<std::optional<nlohmann::json>> earlier;
  for (const auto& path : checkpoints) {
    earlier.push_back(record.find(path, identity));
    steps.push_back(earlier.back() ? 0 : total_steps(settings, read_checkpoint_meta(path).model.num_classes));
  }
  const int64_t total = std::accumulate(steps.begin(), steps.end(), int64_t{0});
  int64_t before = 0;
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    if (earlier[i]) {
      if (on_scored) on_scored(*earlier[i], true);
      continue;
    }
    const auto each = [&](int64_t done, int64_t) {
      if (progress) progress(before + done, total);
    };
    // Taken first: a file rewritten while it is sampled must not inherit this score.
    const auto file = ScoreRecord::identify(checkpoints[i]);
    torch::Tensor drawn_before;
    BatchDone keep;
    if (file) {
      drawn_before = record.partial_samples(checkpoints[i], identity, *file);
      keep = [&](const torch::Tensor& drawn) { record.keep_partial_samples(checkpoints[i], identity, *file, drawn, checkpoints); };
    }
    auto j = evaluate_from(checkpoints[i], settings, drawn_before, keep, each, control);
    if (file) j["file"] = *file;
    before += steps[i];
    record.put(j, identity, checkpoints);
    if (on_scored) on_scored(j, false);
  }
  return record.summary(checkpoints, identity);
}

}  // namespace ncsn
