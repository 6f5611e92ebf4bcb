#include "ncsn/device.hpp"

#include <algorithm>
#include <thread>

#include <torch/torch.h>

#include "ncsn/errors.hpp"

namespace ncsn {

namespace {

torch::Device parse_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw ConfigError("CUDA was requested, but " +
                        std::string(torch::cuda::device_count() == 0 ? "no CUDA device is available to this LibTorch build"
                                                                     : "CUDA is not usable") +
                        "; use --device cpu or auto");
    try {
      torch::Device device(name);
      if (device.index() >= static_cast<int>(torch::cuda::device_count()))
        throw ConfigError("there is no " + name + " (found " + std::to_string(torch::cuda::device_count()) + " CUDA devices)");
      return device;
    } catch (const c10::Error&) {
      throw ConfigError("'" + name + "' is not a device name; use cpu, cuda, cuda:N or auto");
    }
  }
  throw ConfigError("'" + name + "' is not a device name; use cpu, cuda, cuda:N or auto");
}

}  // namespace

torch::Device select_device(const std::string& name) {
  const auto device = parse_device(name);
  // Sampling and training repeat the same shapes thousands of times: cuDNN may time its
  // algorithms once and keep the fastest.
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
  return device;
}

int set_cpu_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

std::string describe_device(const torch::Device& device) {
  if (device.is_cpu()) {
    const int threads = torch::get_num_threads();
    return "CPU (" + std::to_string(threads) + (threads == 1 ? " thread)" : " threads)");
  }
  return "CUDA:" + std::to_string(device.index() < 0 ? 0 : device.index());
}

}  // namespace ncsn
