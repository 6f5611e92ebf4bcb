#include "ncsn/training_batch_loader.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <utility>
#include <vector>

#include "seed_mixing.hpp"

namespace ncsn {

TrainingBatchLoader::TrainingBatchLoader(torch::Tensor images, int64_t batch_size, uint64_t seed, torch::Device device)
    : images_(std::move(images)),
      batch_size_(batch_size),
      seed_(seed),
      device_(device),
      prefetch_(images_.device().is_cpu()) {}

TrainingBatchLoader::~TrainingBatchLoader() {
  if (pending_.valid()) pending_.wait();
}

torch::Tensor TrainingBatchLoader::gather(int64_t step) {
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
  return device_.is_cuda() ? bytes.pin_memory() : bytes;  // pinned: the copy is asynchronous
}

torch::Tensor TrainingBatchLoader::batch(int64_t step) {
  if (!prefetch_) return gather(step);
  torch::Tensor bytes;
  if (pending_.valid()) {
    auto pending = std::move(pending_);
    bytes = pending.get();  // also rethrows a failure of the background gather
    if (pending_step_ != step) bytes = torch::Tensor();  // a resume or rollback jumped
  }
  if (!bytes.defined()) bytes = gather_for_transfer(step);
  pending_step_ = step + 1;
  pending_ = std::async(std::launch::async, [this, next = step + 1] { return gather_for_transfer(next); });
  return bytes.to(device_, /*non_blocking=*/true);
}

}  // namespace ncsn
