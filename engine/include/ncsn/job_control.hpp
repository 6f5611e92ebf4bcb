#pragma once
// Thread-safe pause/resume/cancel shared between a long job (engine thread) and its owner.
#include <atomic>
#include <condition_variable>
#include <mutex>

namespace ncsn {

enum class StopRequest { None, Now, AfterLevel };

class JobControl {
 public:
  void request_stop(StopRequest how = StopRequest::Now);
  void pause();
  void resume();
  void reset();  // back to running, no stop request; call before reusing for a new job

  StopRequest stop_request() const { return stop_.load(); }
  bool stop_now() const { return stop_.load() == StopRequest::Now; }
  bool paused() const { return paused_.load(); }

  // Blocks while paused; returns early when a stop is requested. Called by jobs between steps.
  void wait_while_paused();

 private:
  std::atomic<StopRequest> stop_{StopRequest::None};
  std::atomic<bool> paused_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace ncsn
