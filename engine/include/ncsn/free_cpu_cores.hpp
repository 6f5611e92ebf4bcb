#pragma once
// How many CPU cores other work leaves free, for the engine's default thread count.
//
// OpenMP threads spin while they wait for each other. When another busy process shares the
// cores, one of ours is often descheduled and the rest spin for it: on the 2-core VM, with one
// busy process beside it, sampling ran 4.4 steps/s on 2 threads and 19.4 on 1 (docs/benchmarks.md).
#include <chrono>

namespace ncsn {

// The cores that other processes did not keep busy over `window` (this process's own work does
// not count against it), rounded to whole cores: at least 1, at most the cores there are. Reads
// /proc/stat and /proc/self/stat; where they cannot be read, every core counts as free.
int free_cpu_cores(std::chrono::milliseconds window = std::chrono::milliseconds(100));

// set_cpu_threads(free_cpu_cores()): the default of the CLI (--threads 0) and of each studio job.
int use_free_cpu_cores();

// One reading of the CPU clocks, in clock ticks.
struct CpuTimes {
  double total = 0, idle = 0;  // all cores together; idle includes waiting for I/O
  double own = 0;              // this process, user and system
  int cores = 0;               // as /proc/stat lists them
  bool valid = false;
};
CpuTimes read_cpu_times();
// How many cores, on average, other processes (and the hypervisor, as steal time) kept busy
// between two readings; 0 where either could not be read.
double others_busy_cores(const CpuTimes& before, const CpuTimes& after);
// What free_cpu_cores works out from two readings, for a machine of `cores` cores.
int free_cores_between(const CpuTimes& before, const CpuTimes& after, int cores);

}  // namespace ncsn
