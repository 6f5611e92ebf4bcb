#pragma once
// Training an NCSN with denoising score matching (reference AnnealRunner.train), with
// atomic checkpoints, exact resume, optional EMA, pause/cancel and divergence handling.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "ncsn/data_parallel_group.hpp"
#include "ncsn/image_dataset.hpp"
#include "ncsn/job_control.hpp"
#include "ncsn/loss_scaler.hpp"
#include "ncsn/mixed_precision.hpp"
#include "ncsn/model_config.hpp"
#include "ncsn/ncsn_score_net.hpp"
#include "ncsn/run_folder_lock.hpp"
#include "ncsn/training_batch_loader.hpp"

namespace ncsn {

struct CheckpointMeta;
struct LoadedModel;

enum class NonFinitePolicy { Stop, Rollback };
// A checkpoint that cannot be written (disk full): stop, or train on and try again at the next one.
enum class WriteFailurePolicy { Stop, Continue };

struct TrainConfig {
  int64_t batch_size = 128;
  // Each batch is processed in this many equal parts, summing their gradients: the same step in
  // less memory (the network has no batch statistics), at some speed.
  int64_t accumulate = 1;
  // Autocast of the network to bf16 or fp16 (CUDA only; with dynamic loss scaling). The held-out
  // loss and sampling stay float32.
  MixedPrecision mixed_precision = MixedPrecision::Off;
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double weight_decay = 0.0;
  int64_t iterations = 200000;
  int64_t checkpoint_every = 5000;
  int64_t eval_every = 100;       // held-out DSM loss on one test batch
  double ema_rate = 0.0;          // 0 disables; e.g. 0.999
  bool random_flip = false;       // horizontal flips (CIFAR-10, CelebA)
  double anneal_power = 2.0;      // lambda(sigma) = sigma^anneal_power
  uint64_t seed = 1234;
  std::string checkpoint_dir = "ncsn-run";
  NonFinitePolicy on_non_finite = NonFinitePolicy::Stop;
  int max_rollbacks = 3;          // Rollback halves the learning rate each time
  WriteFailurePolicy on_write_error = WriteFailurePolicy::Stop;  // the final checkpoint always must succeed

  void validate() const;
};
// JSON with the field names as keys; a key left out keeps its default, an unknown policy is Stop.
NLOHMANN_JSON_SERIALIZE_ENUM(NonFinitePolicy, {{NonFinitePolicy::Stop, "stop"}, {NonFinitePolicy::Rollback, "rollback"}})
NLOHMANN_JSON_SERIALIZE_ENUM(WriteFailurePolicy,
                             {{WriteFailurePolicy::Stop, "stop"}, {WriteFailurePolicy::Continue, "continue"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, batch_size, accumulate, mixed_precision, lr, beta1, beta2,
                                                weight_decay, iterations, checkpoint_every, eval_every, ema_rate,
                                                random_flip, anneal_power, seed, checkpoint_dir, on_non_finite,
                                                max_rollbacks, on_write_error)

struct TrainProgress {
  int64_t step = 0, total = 0;
  double loss = 0;
  std::vector<double> level_loss;       // this batch's mean loss per level (NaN where absent)
  std::optional<double> heldout_loss;   // set on evaluation steps
  double lr = 0;
  double elapsed_s = 0;                 // since this run started (resumes restart the clock)
  double iters_per_s = 0;
  int64_t skipped_steps = 0;            // fp16: steps whose gradients overflowed, since this run started
};

struct TrainerEvents {
  std::function<void(const TrainProgress&)> on_progress;                        // every iteration
  // heldout_loss: the checkpoint's own (NaN when evaluation is off).
  std::function<void(int64_t step, const std::string& path, double heldout_loss)> on_checkpoint;
  std::function<void(const std::string& message)> on_message;                   // rollbacks, resumes
};

struct TrainResult {
  int64_t step = 0;
  bool completed = false;  // false when stopped early (a checkpoint was still written)
  std::string last_checkpoint;
};

class Trainer {
 public:
  Trainer(const ModelConfig& model, const TrainConfig& train, ImageDataset train_set, ImageDataset test_set,
          torch::Device device);

  // Restores weights, optimizer, EMA and step from a checkpoint of the same architecture.
  void resume_from(const std::string& checkpoint);
  // Resumes from the newest checkpoint in the run folder, if any. Returns its path. First removes
  // the temp files that killed runs left there (see removed_temp_files()).
  std::optional<std::string> resume_latest();
  int removed_temp_files() const { return removed_temp_files_; }
  // Starts from another model's weights (an export, fp16 included, a checkpoint or a reference
  // import) with a fresh optimizer: fine-tuning, or going on where only the weights were kept.
  // The EMA starts at those weights and the step count goes on from the model's. ConfigError
  // unless the model has this run's architecture and noise levels.
  void start_from(const LoadedModel& init);
  // Trains as one of `processes.world_size` processes, each on its share of every batch (the
  // batch size must divide among them, and each share among the gradient parts), and waits for
  // all of them to join. Process 0 writes the checkpoints, so every process must see the same run
  // folder. Call before resuming.
  void join_processes(const DataParallelConfig& processes);
  // Takes the run folder until run() returns (process 0; the others share its folder), or throws
  // ConfigError while another training holds it (RunFolderLock). resume_latest() and run() take
  // it too; call it first where other files go into the folder before them.
  void claim_run_folder();

  TrainResult run(const TrainerEvents& events = {}, JobControl* control = nullptr);

  std::string save_checkpoint();  // at the current step; returns the path
  int64_t step() const { return step_; }
  NcsnScoreNet& model() { return model_; }
  const TrainConfig& config() const { return train_; }
  torch::Tensor sigmas() const { return sigmas_; }
  // Held-out DSM loss on `batches` test batches (deterministic for a given step).
  double heldout_loss(int64_t batches = 1);

 private:
  torch::Tensor next_batch();
  double train_step(TrainProgress& progress);
  // fp16: unscales the gradients; false when they overflowed and the step is to be skipped.
  bool unscale_gradients();
  void update_ema();
  bool recover_from_divergence(double loss, const TrainerEvents& events);
  void save_periodic_checkpoint(const TrainerEvents& events);
  void write_checkpoint(const std::string& path, const CheckpointMeta& meta);
  bool writes_checkpoints() const { return !group_ || group_->rank() == 0; }
  void check_processes_agree();
  void set_lr(double lr);
  // The held-out loss a checkpoint at the current step records: NaN when evaluation is off.
  double checkpoint_heldout() const;

  ModelConfig model_config_;
  TrainConfig train_;
  ImageDataset train_set_, test_set_;
  torch::Device device_;
  NcsnScoreNet model_{nullptr};
  NcsnScoreNet ema_{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::optional<LossScaler> scaler_;  // fp16 only
  int64_t skipped_steps_ = 0, skipped_in_a_row_ = 0;
  torch::Tensor sigmas_;
  int64_t step_ = 0;
  int rollbacks_ = 0;
  int removed_temp_files_ = 0;
  double last_heldout_ = std::numeric_limits<double>::quiet_NaN();
  int64_t last_heldout_step_ = -1;
  std::string last_checkpoint_;
  std::unique_ptr<TrainingBatchLoader> batches_;
  std::unique_ptr<DataParallelGroup> group_;
  std::optional<RunFolderLock> folder_lock_;
};

}  // namespace ncsn
