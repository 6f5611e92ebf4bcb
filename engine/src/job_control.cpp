#include "ncsn/job_control.hpp"

namespace ncsn {

void JobControl::request_stop(StopRequest how) {
  // "Now" must never be downgraded by a later "finish this level".
  StopRequest current = stop_.load();
  while (current != StopRequest::Now && !stop_.compare_exchange_weak(current, how)) {
  }
  std::lock_guard<std::mutex> lock(mutex_);
  cv_.notify_all();
}

void JobControl::pause() { paused_ = true; }

void JobControl::resume() {
  std::lock_guard<std::mutex> lock(mutex_);
  paused_ = false;
  cv_.notify_all();
}

void JobControl::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  stop_ = StopRequest::None;
  paused_ = false;
  cv_.notify_all();
}

void JobControl::wait_while_paused() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return !paused_.load() || stop_.load() != StopRequest::None; });
}

}  // namespace ncsn
