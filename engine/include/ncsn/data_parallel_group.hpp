#pragma once
// Data-parallel training across processes (on one machine or several) with PyTorch's own
// collectives, c10d's Gloo backend: each process trains on its share of every batch and the
// gradients are summed across processes before each step, so N processes take the steps that one
// process would take on the whole batch.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace ncsn {

struct DataParallelConfig {
  int rank = 0;        // this process, 0 ... world_size - 1; process 0 writes the checkpoints
  int world_size = 1;
  // Where the processes meet: "host:port" (process 0 listens there) or "file:PATH", a file that
  // every process can reach and that no earlier run left behind.
  std::string rendezvous = "127.0.0.1:29500";
  std::chrono::seconds timeout{600};  // for meeting, and for any one collective
};

class DataParallelGroup {
 public:
  // Waits until every process has joined. Throws ConfigError for bad settings, DataError when
  // the others cannot be reached in time.
  explicit DataParallelGroup(const DataParallelConfig& config);
  ~DataParallelGroup();
  DataParallelGroup(const DataParallelGroup&) = delete;
  DataParallelGroup& operator=(const DataParallelGroup&) = delete;

  // Whether this build has c10d's Gloo backend (it needs LibTorch's and Gloo's headers).
  static bool available();

  int rank() const { return config_.rank; }
  int world_size() const { return config_.world_size; }

  // Sums the tensors in place across processes, in one collective. All on one device.
  void sum(const std::vector<torch::Tensor>& tensors);
  bool all(bool value);                  // true when it is true in every process
  bool any(bool value) { return !all(!value); }
  int64_t max(int64_t value);

 private:
  struct Backend;
  DataParallelConfig config_;
  std::unique_ptr<Backend> backend_;
};

}  // namespace ncsn
