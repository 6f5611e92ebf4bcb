#include "ncsn/fault_injection.hpp"

#include <c10/util/Exception.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <regex>

#include "ncsn/errors.hpp"

namespace ncsn::faults {
namespace {

struct Armed {
  std::mutex mutex;
  std::map<std::string, int64_t> remaining;  // point -> passes left before it fails
  std::atomic<bool> any{false};               // the cheap check on every step
};

Armed& armed() {
  static Armed* state = [] {
    auto* s = new Armed;  // never destroyed: engine threads may still pass a point at exit
    if (const char* spec = std::getenv("NCSN_FAULTS")) {
      static const std::regex one(R"(([a-z.]+):oom@(\d{1,9}))");
      std::smatch m;
      const std::string text(spec);
      if (!std::regex_match(text, m, one))
        throw ConfigError("NCSN_FAULTS must look like sampler.step:oom@5, not '" + text + "'");
      s->remaining[m[1]] = std::stoll(m[2]);
      s->any = true;
    }
    return s;
  }();
  return *state;
}

}  // namespace

void arm_out_of_memory(const std::string& point, int64_t hits) {
  if (point != kSamplerStep && point != kTrainerStep && point != kTrainerBatch) throw ConfigError("unknown fault point '" + point + "'");
  auto& a = armed();
  std::lock_guard lock(a.mutex);
  a.remaining[point] = std::max<int64_t>(hits, 1);
  a.any = true;
}

void disarm_all() {
  auto& a = armed();
  std::lock_guard lock(a.mutex);
  a.remaining.clear();
  a.any = false;
}

void hit(const char* point) {
  auto& a = armed();
  if (!a.any.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(a.mutex);
  auto it = a.remaining.find(point);
  if (it == a.remaining.end() || --it->second > 0) return;
  a.remaining.erase(it);
  a.any = !a.remaining.empty();
  // The text LibTorch's CUDA allocator uses, so front ends treat it as the real thing.
  throw c10::OutOfMemoryError({__func__, __FILE__, static_cast<uint32_t>(__LINE__)},
                              std::string("CUDA out of memory. Tried to allocate 2.00 GiB (simulated at ") + point + ")");
}

}  // namespace ncsn::faults
