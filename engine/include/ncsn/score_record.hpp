#pragma once
// The sample-quality scores of a run folder's checkpoints (its scores.json), kept between passes.
// Scoring a checkpoint on 1000 samples takes minutes on a GPU and hours on a CPU, so each score is
// written as soon as it exists: a pass that is stopped or killed resumes at the first checkpoint
// it had not scored. Each entry records the settings it was scored with and the checkpoint file's
// size and modification time, so a score is reused only for the same file under the same settings
// (FD-cls at different sample counts is not comparable: it has a small-sample bias). On a CPU one
// checkpoint alone takes hours, so the samples of the one being measured are kept too, batch by
// batch (<record>.samples): a kill then costs at most one batch.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace ncsn {

class ScoreRecord {
 public:
  // Reads `path` when it exists (an empty record otherwise). DataError naming the file when it is
  // not a score record.
  explicit ScoreRecord(std::string path);

  const std::string& path() const { return path_; }
  // The settings of the latest pass (null before the first).
  const nlohmann::json& last_settings() const { return settings_; }

  // The entry scored for this very file (same size and modification time) under `settings`.
  std::optional<nlohmann::json> find(const std::string& checkpoint, const nlohmann::json& settings) const;

  // What tells a checkpoint file from a rewritten one (a resumed run writes a new file at the same
  // step): {"size", "modified" (UTC, to the nanosecond)}; nothing when the file is gone.
  static std::optional<nlohmann::json> identify(const std::string& checkpoint);

  // Adds `entry` (a report with "checkpoint" and "fd_cls", and the "file" identity taken before it
  // was measured, else the file's identity now) under `settings`, replacing an earlier one for the
  // same checkpoint and settings, and rewrites the file atomically with "best" and "settings" set
  // for the pass over `pass`. WriteError when the file cannot be written.
  void put(nlohmann::json entry, const nlohmann::json& settings, const std::vector<std::string>& pass);

  // {"metric": "fd_cls", "settings", "best", "checkpoints"}: the entries of `pass` under `settings`,
  // in the order of `pass`; "best" is the one with the lowest FD-cls (absent when none is scored).
  nlohmann::json summary(const std::vector<std::string>& pass, const nlohmann::json& settings) const;

  // The samples drawn so far for this checkpoint file (`file`: its identity) under `settings` by a
  // measurement that was interrupted; undefined when there are none or they do not read back whole.
  torch::Tensor partial_samples(const std::string& checkpoint, const nlohmann::json& settings, const nlohmann::json& file) const;
  // Keeps `samples` (float [N, C, H, W]) as the measurement so far of `checkpoint`, replacing any
  // other; put() of that checkpoint's score removes them. WriteError when they cannot be written.
  void keep_partial_samples(const std::string& checkpoint, const nlohmann::json& settings, const nlohmann::json& file,
                            const torch::Tensor& samples, const std::vector<std::string>& pass);

 private:
  void write(const std::vector<std::string>& pass, const nlohmann::json& settings) const;

  std::string path_;
  std::vector<nlohmann::json> entries_;
  nlohmann::json settings_;
  nlohmann::json partial_;  // {"checkpoint", "settings", "file", "shape"} of <record>.samples
};

// The record of a run folder: <folder>/scores.json.
std::string score_record_path(const std::string& run_folder);

}  // namespace ncsn
