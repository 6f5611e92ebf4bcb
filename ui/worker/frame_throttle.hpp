#pragma once
// Decides, on the engine thread, whether a live frame is worth converting and sending.
// The sampler never waits for the UI: while a frame is still on its way (not yet shown),
// newer ones are dropped instead of queued, and frames are capped to a few per second.
#include <QElapsedTimer>

#include <atomic>

namespace ncsn {

class FrameThrottle {
 public:
  explicit FrameThrottle(int minIntervalMs = 200) : minIntervalMs_(minIntervalMs) {}

  void start(int everySteps);
  void setMinInterval(int ms) { minIntervalMs_ = ms; }
  // Engine thread: true when step `done` should produce a frame; marks it in flight.
  bool admit(qint64 done);
  // Any thread: the UI has shown the last frame.
  void consumed() { inFlight_.store(false); }
  bool inFlight() const { return inFlight_.load(); }
  qint64 dropped() const { return dropped_; }

 private:
  std::atomic<int> minIntervalMs_;
  int everySteps_ = 1;
  QElapsedTimer clock_;
  qint64 lastMs_ = -1;
  qint64 dropped_ = 0;
  std::atomic<bool> inFlight_{false};
};

}  // namespace ncsn
