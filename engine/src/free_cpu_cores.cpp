#include "ncsn/free_cpu_cores.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "ncsn/device.hpp"

namespace ncsn {

CpuTimes read_cpu_times() {
  CpuTimes t;
  std::ifstream stat("/proc/stat");
  for (std::string line; std::getline(stat, line);) {
    if (line.rfind("cpu ", 0) == 0) {
      std::istringstream fields(line.substr(4));
      double value = 0;
      // user nice system idle iowait irq softirq steal: idle and iowait are the free time.
      for (int i = 0; i < 8 && fields >> value; ++i) {
        t.total += value;
        if (i == 3 || i == 4) t.idle += value;
      }
    } else if (line.rfind("cpu", 0) == 0) {
      ++t.cores;
    }
  }
  std::ifstream self("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start at its closing parenthesis;
  // utime and stime are the 12th and 13th of them.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return t;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 1; i <= 13 && rest >> field; ++i) {
    if (i == 12) utime = std::stod(field);
    if (i == 13) stime = std::stod(field);
  }
  t.own = utime + stime;
  t.valid = t.cores > 0 && t.total > 0;
  return t;
}

double others_busy_cores(const CpuTimes& before, const CpuTimes& after) {
  const double elapsed = after.total - before.total;
  if (!before.valid || !after.valid || elapsed <= 0) return 0;
  const double busy = elapsed - (after.idle - before.idle);
  const double others = std::max(0.0, busy - (after.own - before.own));
  return others / elapsed * after.cores;
}

int free_cores_between(const CpuTimes& before, const CpuTimes& after, int cores) {
  const int busy_cores = static_cast<int>(std::lround(others_busy_cores(before, after)));
  return std::clamp(cores - busy_cores, 1, cores);
}

int free_cpu_cores(std::chrono::milliseconds window) {
  const CpuTimes before = read_cpu_times();
  std::this_thread::sleep_for(window);
  return free_cores_between(before, read_cpu_times(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

int use_free_cpu_cores() { return set_cpu_threads(free_cpu_cores()); }

}  // namespace ncsn
