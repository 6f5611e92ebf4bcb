#include "progress_bar.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>

namespace ncsn::cli {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600), static_cast<long long>(s % 3600 / 60));
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  else std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  return buf;
}

ProgressBar::ProgressBar(std::string label, int64_t total, std::ostream& out, bool enabled)
    : label_(std::move(label)), total_(total), out_(out), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(int64_t done, const std::string& suffix) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (first_done_ < 0) {
    first_done_ = done;
    start_ = now;
  }
  if (now - last_draw_ < std::chrono::milliseconds(150) && done < total_) return;
  last_draw_ = now;
  draw(done, suffix);
}

void ProgressBar::finish(const std::string& suffix) {
  if (!enabled_) return;
  draw(total_, suffix);
  out_ << "\n" << std::flush;
}

void ProgressBar::draw(int64_t done, const std::string& suffix) {
  constexpr int width = 28;
  const double frac = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // The rate counts only work done in this process, so resumed runs get an honest ETA.
  const double rate = elapsed > 0 ? static_cast<double>(done - std::max<int64_t>(first_done_, 0)) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
  std::string bar(static_cast<size_t>(width * std::min(frac, 1.0)), '#');
  bar.resize(width, '.');
  char head[160];
  std::snprintf(head, sizeof head, "\r%s [%s] %lld/%lld %.1f/s ETA %s ", label_.c_str(), bar.c_str(),
                static_cast<long long>(done), static_cast<long long>(total_), rate, format_duration(eta).c_str());
  out_ << head << suffix << "\x1b[K" << std::flush;
}

}  // namespace ncsn::cli
