#pragma once
// Scores checkpoints the way the paper selects them: draw samples with annealed Langevin
// dynamics and measure them (FD-cls, class histogram, nearest neighbours, held-out DSM loss, and
// FID/IS when an Inception network is given). Shared by `ncsn eval` and the studio.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ncsn/annealed_langevin_sampler.hpp"
#include "ncsn/feature_classifier.hpp"
#include "ncsn/image_dataset.hpp"
#include "ncsn/inception_network.hpp"
#include "ncsn/job_control.hpp"
#include "ncsn/sample_quality.hpp"
#include "ncsn/score_record.hpp"

namespace ncsn {

struct EvaluationSettings {
  int64_t count = 1000;            // samples per checkpoint
  int64_t batch = 250;             // chains run together
  int64_t heldout_images = 10000;  // test images for the held-out DSM loss
  LangevinSettings langevin;       // the seed is that of the first batch; batch b uses seed + b
};

// The FD-cls classifier for a dataset kind: `explicit_path` if given, else the one shipped for
// Fashion-MNIST. ConfigError saying how to train one otherwise.
std::string classifier_for(const std::string& dataset_kind, const std::string& explicit_path = {});

class CheckpointEvaluator {
 public:
  // ConfigError when the classifier does not fit the test set's images.
  CheckpointEvaluator(ImageDataset train, ImageDataset test, TrainedClassifier classifier, torch::Device device,
                      std::optional<InceptionNetwork> inception = std::nullopt);

  // Progress reports (samples drawn so far, steps done, total steps). JSON with "fd_cls",
  // "class_counts", "classes_covered", "class_total_variation", "nn_distance_{mean,median,min}",
  // "heldout_dsm_loss", and "fid"/"inception_score" with an Inception network. Throws
  // std::runtime_error when stopped through `control`. `samples`, if given, receives the images
  // that were scored (float [N, C, H, W], on the CPU), to show them beside the figures.
  using Progress = std::function<void(int64_t done, int64_t total)>;
  nlohmann::json evaluate(const std::string& checkpoint, const EvaluationSettings& settings, const Progress& progress = {},
                          JobControl* control = nullptr, torch::Tensor* samples = nullptr);

  // The same figures for images in [0, 1] (no held-out loss: there is no model).
  nlohmann::json measure(const torch::Tensor& samples);
  // The figures of `count` random training images: what a perfect model would score with this
  // many samples (FD-cls has a small-sample bias), the yardstick for the others.
  nlohmann::json measure_training_images(int64_t count, uint64_t seed = 0);

  // What a score depends on, recorded beside it: the settings, and fingerprints of the classifier
  // and of the Inception network. Scores under different settings are not comparable.
  nlohmann::json scoring_settings(const EvaluationSettings& settings) const;

  // Evaluates `checkpoints` in order. Those that `record` holds under these settings are reused;
  // every new score is written to `record` as soon as it exists, and the samples of the checkpoint
  // being measured after every batch, so a stopped or killed pass loses at most one batch. Calls
  // `on_scored(report, reused)` for each and returns record.summary(): {"metric": "fd_cls",
  // "settings", "best": <path with the lowest FD-cls>, "checkpoints": [...]}. Progress counts
  // steps over the checkpoints still to score.
  using OnScored = std::function<void(const nlohmann::json& report, bool reused)>;
  nlohmann::json score(const std::vector<std::string>& checkpoints, const EvaluationSettings& settings, ScoreRecord& record,
                       const OnScored& on_scored = {}, const Progress& progress = {}, JobControl* control = nullptr);

  // Steps one evaluation runs for a model with `levels` noise levels.
  static int64_t total_steps(const EvaluationSettings& settings, int64_t levels);

 private:
  // evaluate(), going on after the whole batches `drawn_before` (undefined: none; batches of
  // other settings are not used) and handing the samples so far to `batch_done` after each batch
  // but the last.
  using BatchDone = std::function<void(const torch::Tensor& drawn)>;
  nlohmann::json evaluate_from(const std::string& checkpoint, const EvaluationSettings& settings, const torch::Tensor& drawn_before,
                               const BatchDone& batch_done, const Progress& progress, JobControl* control,
                               torch::Tensor* samples = nullptr);

  ImageDataset train_, test_;
  TrainedClassifier classifier_;
  FeatureStats test_stats_;
  torch::Device device_;
  std::optional<InceptionNetwork> inception_;
  std::string classifier_fingerprint_, inception_fingerprint_;
};

}  // namespace ncsn
