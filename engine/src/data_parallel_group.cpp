#include "ncsn/data_parallel_group.hpp"

#include <cstdlib>
#include <utility>

#include "ncsn/errors.hpp"

// LibTorch built with Gloo says so (USE_C10D_GLOO); its c10d header also needs Gloo's own headers.
#if defined(USE_C10D_GLOO) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>) && \
    __has_include(<gloo/config.h>)
#define NCSN_WITH_GLOO 1
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace ncsn {

#ifdef NCSN_WITH_GLOO

struct DataParallelGroup::Backend {
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;

  void allreduce(std::vector<torch::Tensor> tensors, c10d::ReduceOp::RedOpType type) {
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp(type);
    try {
      group->allreduce(tensors, options)->wait();
    } catch (const std::exception& e) {  // a process died, or the network went
      throw DataError("lost contact with the other training processes (" + first_line(e.what()) +
                      "); the checkpoints written are intact: start every process again to resume");
    }
  }
};

namespace {

bool is_file_rendezvous(const std::string& rendezvous) { return rendezvous.rfind("file:", 0) == 0; }

// The host and port of a "host:port" rendezvous.
std::pair<std::string, uint16_t> host_and_port(const std::string& rendezvous) {
  const auto colon = rendezvous.rfind(':');
  int port = -1;
  if (colon != std::string::npos && colon > 0) port = std::atoi(rendezvous.c_str() + colon + 1);
  if (port < 1 || port > 65535) throw ConfigError("the rendezvous '" + rendezvous + "' is neither host:port nor file:PATH");
  return {rendezvous.substr(0, colon), static_cast<uint16_t>(port)};
}

c10::intrusive_ptr<c10d::Store> meeting_point(const DataParallelConfig& c) {
  if (is_file_rendezvous(c.rendezvous)) return c10::make_intrusive<c10d::FileStore>(c.rendezvous.substr(5), c.world_size);
  const auto [host, port] = host_and_port(c.rendezvous);
  c10d::TCPStoreOptions o;
  o.port = port;
  o.isServer = c.rank == 0;
  o.numWorkers = c.world_size;
  o.timeout = c.timeout;
  return c10::make_intrusive<c10d::TCPStore>(host, o);
}

// GLOO_SOCKET_IFNAME picks the network interface, as in PyTorch. A rendezvous on the loopback
// address means one machine, so the loopback interface; else the address of the host name.
std::shared_ptr<::gloo::transport::Device> transport_device(const DataParallelConfig& c) {
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  if (interface && *interface) return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  if (!is_file_rendezvous(c.rendezvous)) {
    const auto host = host_and_port(c.rendezvous).first;
    if (host == "localhost" || host.rfind("127.", 0) == 0) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

bool DataParallelGroup::available() { return true; }

DataParallelGroup::DataParallelGroup(const DataParallelConfig& config) : config_(config) {
  if (config.world_size < 1 || config.rank < 0 || config.rank >= config.world_size)
    throw ConfigError("process " + std::to_string(config.rank) + " of " + std::to_string(config.world_size) +
                      ": the rank must be 0 to the number of processes minus 1");
  try {
    auto options = c10d::ProcessGroupGloo::Options::create(config.timeout);
    options->devices.push_back(transport_device(config));
    backend_ = std::make_unique<Backend>();
    backend_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(meeting_point(config), config.rank, config.world_size, options);
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw DataError("process " + std::to_string(config.rank) + " could not meet the other " +
                    std::to_string(config.world_size - 1) + " at " + config.rendezvous + " (" + first_line(e.what()) + ")");
  }
}

void DataParallelGroup::sum(const std::vector<torch::Tensor>& tensors) {
  if (tensors.empty()) return;
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors) flat.push_back(t.reshape(-1));
  auto buffer = torch::cat(flat);  // one collective instead of one per tensor
  backend_->allreduce({buffer}, c10d::ReduceOp::SUM);
  int64_t offset = 0;
  for (const auto& t : tensors) {
    t.copy_(buffer.narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

bool DataParallelGroup::all(bool value) {
  auto flag = torch::tensor({value ? 1 : 0}, torch::kInt);
  backend_->allreduce({flag}, c10d::ReduceOp::MIN);
  return flag.item<int>() == 1;
}

int64_t DataParallelGroup::max(int64_t value) {
  auto v = torch::tensor({value}, torch::kLong);
  backend_->allreduce({v}, c10d::ReduceOp::MAX);
  return v.item<int64_t>();
}

#else

struct DataParallelGroup::Backend {};

bool DataParallelGroup::available() { return false; }

DataParallelGroup::DataParallelGroup(const DataParallelConfig& config) : config_(config) {
  throw ConfigError("this build has no multi-process training: it was built without the headers of c10d's Gloo "
                    "backend (Debian: libgloo-dev)");
}

void DataParallelGroup::sum(const std::vector<torch::Tensor>&) {}
bool DataParallelGroup::all(bool value) { return value; }
int64_t DataParallelGroup::max(int64_t value) { return value; }

#endif

DataParallelGroup::~DataParallelGroup() = default;

}  // namespace ncsn
