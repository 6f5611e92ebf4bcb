#pragma once
// A terminal progress bar with rate and ETA, redrawn at most a few times a second.
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace ncsn::cli {

class ProgressBar {
 public:
  // Draws only when `enabled` (the CLI turns it off for --json and for non-terminals).
  ProgressBar(std::string label, int64_t total, std::ostream& out, bool enabled);
  void update(int64_t done, const std::string& suffix = {});
  void finish(const std::string& suffix = {});

 private:
  void draw(int64_t done, const std::string& suffix);

  std::string label_;
  int64_t total_;
  int64_t first_done_ = -1;
  std::ostream& out_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_duration(double seconds);  // "1h02m", "3m05s", "12s"

}  // namespace ncsn::cli
