#include "ncsn/training_batch_loader.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <exception>
#include <utility>
#include <vector>

#include "ncsn/fault_injection.hpp"
#include "seed_mixing.hpp"

namespace ncsn {

TrainingBatchLoader::TrainingBatchLoader(torch::Tensor images, int64_t batch_size, uint64_t seed, torch::Device device,
                                         Prefetch prefetch)
    : images_(std::move(images)),
      batch_size_(batch_size),
      seed_(seed),
      device_(device),
      prefetch_(prefetch == Prefetch::Always || (images_.device().is_cpu() && device_.is_cuda())) {}

TrainingBatchLoader::~TrainingBatchLoader() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

torch::Tensor TrainingBatchLoader::gather(int64_t step) {
  faults::hit(faults::kTrainerBatch);
  const int64_t n = images_.size(0);
  std::vector<torch::Tensor> picks;
  for (int64_t pos = step * batch_size_, end = (step + 1) * batch_size_; pos < end;) {
    const int64_t epoch = pos / n;
    if (epoch != permutation_epoch_) {
      auto gen = at::detail::createCPUGenerator(detail::mix_seed(seed_, static_cast<uint64_t>(epoch), detail::kDataOrderStream));
      permutation_ = torch::randperm(n, gen, torch::kLong).to(images_.device());
      permutation_epoch_ = epoch;
    }
    const int64_t take = std::min(end, (epoch + 1) * n) - pos;
    picks.push_back(permutation_.narrow(0, pos % n, take));  // a batch may span two epochs
    pos += take;
  }
  return images_.index_select(0, torch::cat(picks));
}

torch::Tensor TrainingBatchLoader::gather_for_transfer(int64_t step) {
  auto bytes = gather(step);
  return device_.is_cuda() && bytes.is_cpu() ? bytes.pin_memory() : bytes;  // pinned: the copy is asynchronous
}

torch::Tensor TrainingBatchLoader::batch(int64_t step) {
  if (!prefetch_) return gather(step);
  if (!worker_.joinable()) worker_ = std::thread([this] { prefetch_loop(); });
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !busy_; });
  torch::Tensor bytes;
  if (ready_step_ == step && error_) {
    ready_step_ = -1;  // asked again, the step is gathered afresh
    std::rethrow_exception(std::exchange(error_, nullptr));
  }
  if (ready_step_ == step) {
    bytes = std::move(ready_);
  } else {
    // A resume or rollback jumped: what was prefetched, or its failure, was for a step not taken.
    error_ = nullptr;
    bytes = gather_for_transfer(step);
  }
  ready_ = torch::Tensor();
  ready_step_ = -1;
  wanted_ = step + 1;
  busy_ = true;
  lock.unlock();
  changed_.notify_all();
  return bytes.to(device_, /*non_blocking=*/true);
}

// One long-lived thread, so that LibTorch's intra-op pool is not rebuilt for every batch.
void TrainingBatchLoader::prefetch_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || busy_; });
    if (stopping_) return;
    const int64_t step = wanted_;
    lock.unlock();
    torch::Tensor bytes;
    std::exception_ptr error;
    try {
      bytes = gather_for_transfer(step);
    } catch (...) {
      error = std::current_exception();  // rethrown by batch(step) on the caller's thread
    }
    lock.lock();
    ready_ = std::move(bytes);
    error_ = error;
    ready_step_ = step;
    busy_ = false;
    changed_.notify_all();
  }
}

}  // namespace ncsn
