#pragma once
// One Langevin step, replayed from a CUDA graph on a GPU. The score network is a few hundred
// small kernels; at small batches their launches, not the arithmetic, bound the speed, and a
// graph replay launches them all at once. On the CPU, or in a build without CUDA, the step
// simply runs.
#include <cstdint>
#include <functional>
#include <memory>

#include <torch/types.h>

namespace ncsn {

class LangevinStepGraph {
 public:
  // `step` must work in place on tensors that exist before the first call (a graph replays fixed
  // addresses) and must not wait for the host. With use_graph on a CUDA device, all work from
  // here to destruction goes to a side stream (graphs cannot be captured on the default one),
  // joined with the caller's stream at both ends.
  LangevinStepGraph(std::function<void()> step, const torch::Device& device, bool use_graph);
  ~LangevinStepGraph();
  LangevinStepGraph(const LangevinStepGraph&) = delete;
  LangevinStepGraph& operator=(const LangevinStepGraph&) = delete;

  // The first call runs the step as is: the warm-up that capture needs (cuDNN picks its
  // algorithms, the allocator fills its pool). The second captures it; every call replays it.
  void operator()();

 private:
  struct Graph;
  std::function<void()> step_;
  std::unique_ptr<Graph> graph_;
  int64_t calls_ = 0;
};

}  // namespace ncsn
