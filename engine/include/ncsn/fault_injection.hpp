#pragma once
// Named points where the engine can be made to fail as hardware would (a CUDA out-of-memory in
// the middle of a job) on machines without that hardware, so the front ends' handling of it is
// tested. Nothing is armed unless a test calls arm() or NCSN_FAULTS is set, e.g.
// NCSN_FAULTS=sampler.step:oom@5 (the fifth Langevin step runs out of memory).
#include <cstdint>
#include <string>

namespace ncsn::faults {

// The points: one Langevin step, one training iteration, one training batch's gather (on the
// prefetch thread when the images are on the host).
inline constexpr const char* kSamplerStep = "sampler.step";
inline constexpr const char* kTrainerStep = "trainer.step";
inline constexpr const char* kTrainerBatch = "trainer.batch";

// The `hits`-th pass through `point` from now on throws c10::OutOfMemoryError; the point is
// then disarmed. Throws ConfigError for an unknown point.
void arm_out_of_memory(const std::string& point, int64_t hits);
void disarm_all();

// Called by the engine at each point.
void hit(const char* point);

}  // namespace ncsn::faults
