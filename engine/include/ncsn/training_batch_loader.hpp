#pragma once
// The training batches of a run: step k's batch is positions k*b ... k*b + b - 1 of an endless
// sequence of per-epoch permutations derived from (seed, epoch), so any step's batch can be
// recomputed and a resumed run sees exactly the batches it would have seen.
//
// Where the images live on the training device, batches are gathered there. Where a CUDA device
// trains on host images (image folders too large for the GPU), the next step's batch is gathered
// on a background thread while the current step runs, into pinned memory, and crosses the bus as
// bytes, not floats.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

#include <torch/types.h>

namespace ncsn {

class TrainingBatchLoader {
 public:
  // Auto prefetches only where the gather overlaps work: host images for a CUDA device. A CPU step
  // keeps every core busy, so a gather beside it only competes (it cost the small model a fifth of
  // its two-thread speed, docs/benchmarks.md). Always uses the background thread on any device.
  enum class Prefetch { Auto, Always };

  // images: uint8 [N, C, H, W], on the host or on `device`.
  TrainingBatchLoader(torch::Tensor images, int64_t batch_size, uint64_t seed, torch::Device device,
                      Prefetch prefetch = Prefetch::Auto);
  ~TrainingBatchLoader();  // waits for a gather in flight and ends the prefetch thread
  TrainingBatchLoader(const TrainingBatchLoader&) = delete;
  TrainingBatchLoader& operator=(const TrainingBatchLoader&) = delete;

  // Step `step`'s batch, uint8 [batch_size, C, H, W] on the device. Steps may come in any order
  // (resumes and rollbacks jump); in order, each one's gather overlapped the step before.
  torch::Tensor batch(int64_t step);
  bool prefetches() const { return prefetch_; }

 private:
  // On the images' device. Runs on one thread at a time: the caller's, or the prefetch thread
  // while no gather is asked of the caller's (busy_ under mutex_).
  torch::Tensor gather(int64_t step);
  torch::Tensor gather_for_transfer(int64_t step);
  void prefetch_loop();

  torch::Tensor images_;
  int64_t batch_size_;
  uint64_t seed_;
  torch::Device device_;
  bool prefetch_;
  int64_t permutation_epoch_ = -1;
  torch::Tensor permutation_;

  // The prefetch thread (started by the first batch) and what it shares with the caller's.
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool busy_ = false, stopping_ = false;
  int64_t wanted_ = -1, ready_step_ = -1;
  torch::Tensor ready_;
  std::exception_ptr error_;
};

}  // namespace ncsn
