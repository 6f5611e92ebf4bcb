#include "ncsn/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "ncsn/atomic_file.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/dsm_loss.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/fault_injection.hpp"
#include "ncsn/foreach_adam.hpp"
#include "ncsn/noise_schedule.hpp"
#include "gradients.hpp"
#include "seed_mixing.hpp"

namespace ncsn {

void TrainConfig::validate() const {
  if (batch_size < 1) throw ConfigError("batch size must be at least 1");
  if (accumulate < 1) throw ConfigError("gradient accumulation needs at least 1 part per batch");
  if (batch_size % accumulate != 0)
    throw ConfigError("the batch size (" + std::to_string(batch_size) + ") must be a multiple of the number of parts it is " +
                      "accumulated in (" + std::to_string(accumulate) + ")");
  if (!(lr > 0)) throw ConfigError("the learning rate must be positive");
  if (iterations < 1) throw ConfigError("iterations must be at least 1");
  if (checkpoint_every < 1) throw ConfigError("the checkpoint interval must be at least 1");
  if (eval_every < 0) throw ConfigError("the evaluation interval cannot be negative");
  if (ema_rate < 0 || ema_rate >= 1) throw ConfigError("the EMA rate must be in [0, 1)");
  if (checkpoint_dir.empty()) throw ConfigError("a checkpoint folder is required");
}

namespace {

using detail::kHeldoutStream;
using detail::mix_seed;

// Training images up to this size live on the GPU, where batches are gathered, so that no batch
// crosses the bus and the host has nothing to prepare between steps (Fashion-MNIST 47 MB,
// CIFAR-10 154 MB). Larger image folders stay on the host, where TrainingBatchLoader gathers each
// batch a step ahead.
constexpr int64_t kMaxDeviceDatasetBytes = int64_t{2} << 30;
// fp16 steps skipped in a row before training stops: by then the scale has fallen by 2^-50, so
// the gradients are not finite at any scale.
constexpr int64_t kMaxSkippedInARow = 50;

void check_dataset(const ImageDataset& data, const ModelConfig& model, const char* which) {
  if (data.size() == 0) throw ConfigError(std::string("the ") + which + " set is empty");
  if (data.channels() != model.channels || data.height() != model.image_size || data.width() != model.image_size) {
    std::ostringstream msg;
    msg << "the " << which << " set holds " << data.channels() << "x" << data.height() << "x" << data.width()
        << " images but the model expects " << model.channels << "x" << model.image_size << "x" << model.image_size;
    throw ConfigError(msg.str());
  }
}

// Where training batches are gathered: the device when the images fit there, else the host.
torch::Tensor place_training_images(const torch::Tensor& images, const torch::Device& device) {
  if (!device.is_cuda() || images.nbytes() > kMaxDeviceDatasetBytes) return images;
  try {
    return images.to(device);
  } catch (const c10::OutOfMemoryError&) {
    return images;  // no room beside the model: gather on the host as for large datasets
  }
}

}  // namespace

Trainer::Trainer(const ModelConfig& model, const TrainConfig& train, ImageDataset train_set, ImageDataset test_set,
                 torch::Device device)
    : model_config_(model), train_(train), train_set_(std::move(train_set)), test_set_(std::move(test_set)), device_(device) {
  model_config_.validate();
  train_.validate();
  check_dataset(train_set_, model_config_, "training");
  check_dataset(test_set_, model_config_, "test");
  check_mixed_precision(train_.mixed_precision, device_);
  train_set_.images = place_training_images(train_set_.images, device_);
  batches_ = std::make_unique<TrainingBatchLoader>(train_set_.images, train_.batch_size, train_.seed, device_);
  if (train_.mixed_precision == MixedPrecision::Float16) scaler_.emplace();
  torch::manual_seed(train_.seed);  // the initial weights
  model_ = NcsnScoreNet(model_config_);
  model_->to(device_);
  if (train_.ema_rate > 0) {
    ema_ = NcsnScoreNet(model_config_);
    ema_->to(device_);
    copy_parameters(*model_, *ema_);
  }
  optimizer_ = std::make_unique<ForeachAdam>(
      model_->parameters(),
      torch::optim::AdamOptions(train_.lr).betas({train_.beta1, train_.beta2}).weight_decay(train_.weight_decay));
  sigmas_ = geometric_sigmas(model_config_.sigma_begin, model_config_.sigma_end, model_config_.num_classes).to(device_);
}

void Trainer::resume_from(const std::string& checkpoint) {
  auto meta = load_training_state(checkpoint, model_, *optimizer_, ema_.is_empty() ? nullptr : &ema_);
  // Continue at the rate the run had reached (rollbacks halve it) unless the user chose a new one.
  const bool same_lr = meta.training.is_object() && meta.training.value("lr", train_.lr) == train_.lr;
  set_lr(same_lr && meta.training.contains("lr_now") ? meta.training["lr_now"].get<double>() : train_.lr);
  step_ = meta.step;
  last_heldout_ = meta.heldout_loss;
  last_heldout_step_ = meta.step;
  last_checkpoint_ = checkpoint;
  if (scaler_ && meta.training.is_object() && meta.training.contains("loss_scale")) scaler_->restore(meta.training["loss_scale"]);
}

void Trainer::start_from(const LoadedModel& init) {
  if (!init.meta.model.same_architecture(model_config_) || !init.meta.model.same_noise_levels(model_config_))
    throw ConfigError("cannot start from a model of " + init.meta.model.describe() + ": this run trains " +
                      model_config_.describe());
  copy_parameters(*init.model, *model_);
  if (!ema_.is_empty()) copy_parameters(*init.model, *ema_);
  step_ = init.meta.step;
}

void Trainer::join_processes(const DataParallelConfig& processes) {
  const int64_t shares = processes.world_size * train_.accumulate;
  if (train_.batch_size % shares != 0)
    throw ConfigError("the batch size (" + std::to_string(train_.batch_size) + ") must divide among the " +
                      std::to_string(processes.world_size) + " processes and each share into " +
                      std::to_string(train_.accumulate) + " gradient part(s): use a multiple of " + std::to_string(shares));
  group_ = std::make_unique<DataParallelGroup>(processes);
}

void Trainer::claim_run_folder() {
  if (writes_checkpoints() && !folder_lock_) folder_lock_.emplace(train_.checkpoint_dir);
}

std::optional<std::string> Trainer::resume_latest() {
  claim_run_folder();
  if (writes_checkpoints()) removed_temp_files_ += remove_stale_temp_files(train_.checkpoint_dir);
  for (const auto& path : list_checkpoints(train_.checkpoint_dir)) {
    try {
      resume_from(path);
      return path;
    } catch (const DataError&) {
      continue;  // an unreadable file (not ours to delete): fall back to the one before
    }
  }
  return std::nullopt;
}

torch::Tensor Trainer::next_batch() {
  auto x = bytes_to_unit_interval(batches_->batch(step_));
  if (train_.random_flip) {
    auto flip = (torch::rand({x.size(0), 1, 1, 1}, x.options()) < 0.5);
    x = torch::where(flip, x.flip({3}), x);
  }
  return uniform_dequantize(x);
}

double Trainer::train_step(TrainProgress& progress) {
  faults::hit(faults::kTrainerStep);
  torch::manual_seed(mix_seed(train_.seed, static_cast<uint64_t>(step_)));
  model_->train();
  auto x = next_batch();
  auto labels = torch::randint(model_config_.num_classes, {x.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(device_));
  auto z = torch::randn_like(x);  // drawn for the whole batch, so the parts add up to its step
  const int64_t batch = x.size(0);
  if (group_) {  // this process's share, of draws made for the whole batch as one process makes them
    const int64_t share = batch / group_->world_size(), first = share * group_->rank();
    x = x.narrow(0, first, share);
    labels = labels.narrow(0, first, share);
    z = z.narrow(0, first, share);
  }
  const auto score = score_function(model_, train_.mixed_precision, device_);
  optimizer_->zero_grad();
  std::vector<torch::Tensor> parts;
  const int64_t part = x.size(0) / train_.accumulate;
  const double loss_scale = scaler_ ? scaler_->scale() : 1.0;
  for (int64_t begin = 0; begin < x.size(0); begin += part) {
    auto per_example = dsm_loss_per_example(score, x.narrow(0, begin, part), labels.narrow(0, begin, part),
                                            z.narrow(0, begin, part), sigmas_, train_.anneal_power);
    // This part's share of the batch mean (times the fp16 loss scale).
    (per_example.sum() * (loss_scale / static_cast<double>(batch))).backward();
    parts.push_back(per_example.detach());
  }
  auto per_example = torch::cat(parts);
  // The batch loss and the per-level totals, summed over the processes in one collective.
  const int64_t levels = model_config_.num_classes;
  auto totals = torch::cat({(per_example.sum() / static_cast<double>(batch)).to(torch::kCPU, torch::kDouble).reshape({1}),
                            per_level_totals(per_example, labels, levels).flatten()});
  if (group_) group_->sum({totals});
  const double value = totals[0].item<double>();
  if (!std::isfinite(value)) return value;  // never step on a NaN gradient
  auto means = level_means(totals.narrow(0, 1, 2 * levels).view({2, levels}));
  progress.level_loss.assign(means.data_ptr<double>(), means.data_ptr<double>() + means.numel());
  if (group_) group_->sum(detail::defined_gradients(model_->parameters()));
  if (scaler_ && !unscale_gradients()) return value;
  optimizer_->step();
  update_ema();
  return value;
}

bool Trainer::unscale_gradients() {
  const bool overflowed = scaler_->unscale(model_->parameters());
  scaler_->update(overflowed);
  skipped_in_a_row_ = overflowed ? skipped_in_a_row_ + 1 : 0;
  if (!overflowed) return true;
  ++skipped_steps_;
  if (skipped_in_a_row_ >= kMaxSkippedInARow) {
    std::ostringstream what;
    what << "float16 gradients overflowed in " << skipped_in_a_row_ << " steps in a row up to step " << step_ + 1
         << " (loss scale now " << scaler_->scale() << "); train in bf16 or float32 (mixed precision off), or lower "
         << "the learning rate, and resume" << (last_checkpoint_.empty() ? "" : " from " + last_checkpoint_);
    throw NonFiniteError(what.str());
  }
  return false;  // skip this step, as GradScaler does; the next one tries a halved scale
}

void Trainer::update_ema() {
  if (ema_.is_empty()) return;
  torch::NoGradGuard no_grad;
  const auto src = model_->parameters();
  const auto dst = ema_->parameters();
  // Multi-tensor kernels: on a GPU a handful of launches instead of two per parameter.
  at::_foreach_mul_(dst, train_.ema_rate);
  at::_foreach_add_(dst, src, 1.0 - train_.ema_rate);
}

double Trainer::heldout_loss(int64_t batches) {
  torch::NoGradGuard no_grad;
  model_->eval();
  double total = 0;
  for (int64_t k = 0; k < batches; ++k) {
    torch::manual_seed(mix_seed(train_.seed, static_cast<uint64_t>(step_ * batches + k), kHeldoutStream));
    auto picks = torch::randint(test_set_.size(), {std::min(train_.batch_size, test_set_.size())}, torch::kLong);
    auto x = uniform_dequantize(test_set_.batch(picks, device_));
    total += dsm_loss(score_function(model_), x, sigmas_, train_.anneal_power).item<double>();
  }
  return total / static_cast<double>(batches);
}

double Trainer::checkpoint_heldout() const {
  return train_.eval_every > 0 ? last_heldout_ : std::numeric_limits<double>::quiet_NaN();
}

void Trainer::set_lr(double lr) {
  for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

std::string Trainer::save_checkpoint() {
  CheckpointMeta meta;
  meta.model = model_config_;
  meta.step = step_;
  meta.training = train_;
  meta.training["lr_now"] = optimizer_->param_groups().front().options().get_lr();
  if (scaler_) meta.training["loss_scale"] = scaler_->state();
  // Each checkpoint records its own held-out loss, not the last one measured before it (one
  // batch; the per-step seeding keeps training unchanged). None when evaluation is off.
  if (train_.eval_every > 0 && last_heldout_step_ != step_) {
    last_heldout_ = heldout_loss();
    last_heldout_step_ = step_;
  }
  meta.heldout_loss = checkpoint_heldout();
  std::string path = checkpoint_path(train_.checkpoint_dir, step_);
  std::string failure;
  if (writes_checkpoints()) {
    try {
      write_checkpoint(path, meta);
    } catch (const WriteError& e) {
      if (!group_) throw;
      failure = e.what();
    }
  }
  // Every process learns whether process 0 could write, so that all train on or stop together.
  if (group_ && !group_->all(failure.empty()))
    throw WriteError(failure.empty() ? "process 0 could not write " + path : failure);
  last_checkpoint_ = path;
  return path;
}

void Trainer::write_checkpoint(const std::string& path, const CheckpointMeta& meta) {
  // A folder that cannot be created is a write failure like any other, not a filesystem_error.
  std::error_code ec;
  std::filesystem::create_directories(train_.checkpoint_dir, ec);
  if (ec) throw WriteError("could not create the checkpoint folder " + train_.checkpoint_dir + ": " + ec.message());
  ncsn::save_checkpoint(path, model_, meta, optimizer_.get(), ema_.is_empty() ? nullptr : &ema_);
}

// Processes that differ would exchange gradients of different networks, or of different steps.
void Trainer::check_processes_agree() {
  nlohmann::json settings = {{"model", model_config_}, {"training", train_}};
  settings["training"].erase("checkpoint_dir");  // the same folder may have other paths on other machines
  const auto fingerprint = static_cast<int64_t>(std::hash<std::string>{}(settings.dump()) >> 1);
  if (!group_->all(fingerprint == group_->max(fingerprint)))
    throw ConfigError("the training processes were started with different settings (model, batch, learning rate, "
                      "...): start every process with the same flags or config");
  const int64_t newest = group_->max(step_), oldest = -group_->max(-step_);
  if (newest != oldest)
    throw ConfigError("the training processes start from different steps (" + std::to_string(oldest) + " to " +
                      std::to_string(newest) + "; this one from " + std::to_string(step_) +
                      "): every process must see the same run folder");
}

bool Trainer::recover_from_divergence(double loss, const TrainerEvents& events) {
  std::ostringstream what;
  what << "training diverged at step " << step_ + 1 << " (loss " << loss << ")";
  const bool can_roll_back = train_.on_non_finite == NonFinitePolicy::Rollback && rollbacks_ < train_.max_rollbacks &&
                             !last_checkpoint_.empty();
  if (!can_roll_back) {
    what << ". " << (last_checkpoint_.empty() ? "No checkpoint was written yet" : "The last good checkpoint is " + last_checkpoint_)
         << "; lower the learning rate (now " << optimizer_->param_groups().front().options().get_lr() << ") and resume.";
    throw NonFiniteError(what.str());
  }
  const double lr = optimizer_->param_groups().front().options().get_lr() * 0.5;
  resume_from(last_checkpoint_);
  set_lr(lr);
  ++rollbacks_;
  what << "; rolled back to " << last_checkpoint_ << " (step " << step_ << ") with the learning rate halved to " << lr;
  if (events.on_message) events.on_message(what.str());
  return true;
}

void Trainer::save_periodic_checkpoint(const TrainerEvents& events) {
  try {
    save_checkpoint();
  } catch (const WriteError& e) {
    if (train_.on_write_error == WriteFailurePolicy::Stop) throw;
    if (events.on_message)
      events.on_message(std::string(e.what()) + "; training goes on and the next checkpoint tries again" +
                        (last_checkpoint_.empty() ? "" : " (the last one written is " + last_checkpoint_ + ")"));
    return;
  }
  if (events.on_checkpoint) events.on_checkpoint(step_, last_checkpoint_, checkpoint_heldout());
}

TrainResult Trainer::run(const TrainerEvents& events, JobControl* control) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const int64_t first_step = step_;
  TrainResult result;
  claim_run_folder();
  // The folder is free again once training ends, however it ends.
  struct ReleaseFolder {
    std::optional<RunFolderLock>& lock;
    ~ReleaseFolder() { lock.reset(); }
  } release{folder_lock_};
  if (group_) check_processes_agree();
  while (step_ < train_.iterations) {
    bool stop = false;
    if (control) {
      control->wait_while_paused();
      stop = control->stop_request() != StopRequest::None;
    }
    if (group_) stop = group_->any(stop);  // every process stops after the same step
    if (stop) break;
    TrainProgress progress;
    const double loss = train_step(progress);
    if (!std::isfinite(loss)) {
      recover_from_divergence(loss, events);
      continue;
    }
    ++step_;
    progress.step = step_;
    progress.total = train_.iterations;
    progress.loss = loss;
    progress.lr = optimizer_->param_groups().front().options().get_lr();
    progress.elapsed_s = std::chrono::duration<double>(clock::now() - start).count();
    progress.iters_per_s = static_cast<double>(step_ - first_step) / std::max(progress.elapsed_s, 1e-9);
    progress.skipped_steps = skipped_steps_;
    if (train_.eval_every > 0 && step_ % train_.eval_every == 0) {
      progress.heldout_loss = last_heldout_ = heldout_loss();
      last_heldout_step_ = step_;
    }
    if (events.on_progress) events.on_progress(progress);
    if (step_ % train_.checkpoint_every == 0) save_periodic_checkpoint(events);
  }
  // Stopping early still leaves the work of every completed step on disk.
  if (step_ > 0 && last_checkpoint_ != checkpoint_path(train_.checkpoint_dir, step_)) {
    save_checkpoint();
    if (events.on_checkpoint) events.on_checkpoint(step_, last_checkpoint_, checkpoint_heldout());
  }
  result.step = step_;
  result.completed = step_ >= train_.iterations;
  result.last_checkpoint = last_checkpoint_;
  return result;
}

}  // namespace ncsn
