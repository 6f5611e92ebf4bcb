#include "frame_throttle.hpp"

#include <algorithm>

namespace ncsn {

void FrameThrottle::start(int everySteps) {
  everySteps_ = std::max(1, everySteps);
  clock_.start();
  lastMs_ = -1;
  dropped_ = 0;
  inFlight_.store(false);
}

bool FrameThrottle::admit(qint64 done) {
  if (done % everySteps_ != 0) return false;
  const qint64 now = clock_.elapsed();
  if (lastMs_ >= 0 && now - lastMs_ < minIntervalMs_) return false;
  if (inFlight_.exchange(true)) {
    ++dropped_;  // the UI has not shown the previous frame yet
    return false;
  }
  lastMs_ = now;
  return true;
}

}  // namespace ncsn
