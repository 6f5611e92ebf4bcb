#pragma once
// Per-step seeds derived from (seed, step, stream), so that any step of a run can be replayed
// exactly after a resume (engine-internal).
#include <cstdint>

namespace ncsn::detail {

// Random streams of a training run, besides the default one of each step.
constexpr uint64_t kDataOrderStream = 1, kHeldoutStream = 2;

// SplitMix64: decorrelates the seeds of neighbouring steps and streams.
inline uint64_t mix_seed(uint64_t seed, uint64_t step, uint64_t stream = 0) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (step + 1) + 0xD1B54A32D192ED03ull * stream;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace ncsn::detail
