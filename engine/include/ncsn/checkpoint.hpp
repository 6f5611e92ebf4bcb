#pragma once
// Checkpoints: the studio's own self-describing format, and import of the reference code's
// `torch.save([model.state_dict(), optimizer.state_dict()])` files.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "ncsn/model_config.hpp"
#include "ncsn/ncsn_score_net.hpp"

namespace ncsn {

inline constexpr const char* kCheckpointFormat = "ncsn-studio-checkpoint";
inline constexpr int64_t kCheckpointVersion = 1;

struct CheckpointMeta {
  ModelConfig model;
  int64_t step = 0;
  nlohmann::json training;       // the TrainConfig that produced it (empty for imports)
  std::string origin = "ncsn-studio";  // or "reference-import"
  bool has_optimizer = false;
  bool has_ema = false;
  // "float16" for compact exported models (ncsn export --fp16); loading converts back to float32.
  std::string weights_dtype = "float32";
  double heldout_loss = std::numeric_limits<double>::quiet_NaN();
};
void to_json(nlohmann::json& j, const CheckpointMeta& m);
void from_json(const nlohmann::json& j, CheckpointMeta& m);

// Serialises and writes atomically (WriteError on failure; an existing file stays intact).
// meta.weights_dtype "float16" stores the model's floating-point weights in half precision, for
// shipping (ConfigError with an optimizer or EMA: training state stays float32).
void save_checkpoint(const std::string& path, NcsnScoreNet& model, const CheckpointMeta& meta,
                     torch::optim::Optimizer* optimizer = nullptr, NcsnScoreNet* ema = nullptr);

struct LoadedModel {
  NcsnScoreNet model{nullptr};
  CheckpointMeta meta;
};

// Reads only the metadata. DataError for missing, corrupt or foreign files.
CheckpointMeta read_checkpoint_meta(const std::string& path);

// Loads a model for inference from either format (reference files are recognised and imported;
// `reference_defaults` supplies what those files do not record: image size and sigmas).
// Uses the EMA weights when the checkpoint has them and `prefer_ema` is set.
LoadedModel load_model(const std::string& path, torch::Device device, bool prefer_ema = true,
                       const ModelConfig* reference_defaults = nullptr);

// Restores weights, optimizer and EMA into existing objects built for the same config.
// ConfigError for a float16 export: training resumes only from training checkpoints.
CheckpointMeta load_training_state(const std::string& path, NcsnScoreNet& model, torch::optim::Optimizer& optimizer,
                                   NcsnScoreNet* ema);

// Reference import: infers ngf, channels and L from the weights; strips the "module." prefix
// that DataParallel adds. The optimizer state is not imported (different layout in C++).
LoadedModel import_reference_checkpoint(const std::string& path, torch::Device device,
                                        const ModelConfig* defaults = nullptr);
bool looks_like_reference_checkpoint(const std::string& path);

// A run that names a model to start from (ncsn train --init, the Train page's Start from). A run
// folder that already has checkpoints resumes them instead: `model` becomes the newest one's
// architecture and nothing is loaded. Otherwise (or with an empty `run_folder`) the model's weights
// are loaded on the CPU, EMA first, and `model` becomes its architecture.
std::optional<LoadedModel> load_initial_model(const std::string& init, const std::string& run_folder, ModelConfig& model);

// "checkpoint_<step>.ncsn" files in `dir` (temp files ignored), highest step first.
std::vector<std::string> list_checkpoints(const std::string& dir);
// The same with the step each name gives: listing a run of large checkpoints reads no file.
struct CheckpointFile {
  int64_t step = 0;
  std::string path;
};
std::vector<CheckpointFile> list_checkpoint_files(const std::string& dir);
std::string checkpoint_path(const std::string& dir, int64_t step);

}  // namespace ncsn
