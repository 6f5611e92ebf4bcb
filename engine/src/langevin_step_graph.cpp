#include "langevin_step_graph.hpp"

#if NCSN_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace ncsn {

#if NCSN_WITH_CUDA
struct LangevinStepGraph::Graph {
  explicit Graph(c10::DeviceIndex device)
      : caller(c10::cuda::getCurrentCUDAStream(device)), side(c10::cuda::getStreamFromPool(false, device)), guard(side) {
    caller.synchronize();  // what the caller queued (the chain's buffers) is done before the side stream reads it
  }
  // A destructor must not throw; a CUDA error here was already raised by the work that caused it.
  ~Graph() { C10_CUDA_CHECK_WARN(cudaStreamSynchronize(side.stream())); }

  c10::cuda::CUDAStream caller, side;
  c10::cuda::CUDAStreamGuard guard;
  at::cuda::CUDAGraph graph;
};
#else
struct LangevinStepGraph::Graph {};
#endif

LangevinStepGraph::LangevinStepGraph(std::function<void()> step, const torch::Device& device, bool use_graph)
    : step_(std::move(step)) {
#if NCSN_WITH_CUDA
  if (use_graph && device.is_cuda()) graph_ = std::make_unique<Graph>(device.index() < 0 ? 0 : device.index());
#else
  (void)device;
  (void)use_graph;
#endif
}

LangevinStepGraph::~LangevinStepGraph() = default;

void LangevinStepGraph::operator()() {
  ++calls_;
#if NCSN_WITH_CUDA
  if (graph_ && calls_ > 1) {
    if (calls_ == 2) {
      graph_->graph.capture_begin();
      step_();
      graph_->graph.capture_end();
    }
    graph_->graph.replay();
    return;
  }
#endif
  step_();
}

}  // namespace ncsn
