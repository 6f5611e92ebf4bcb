#include "ncsn/host_allocator.hpp"

#include <cstdlib>
#include <initializer_list>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ncsn {

void configure_host_allocator() {
#if defined(__GLIBC__)
  for (const char* variable : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"})
    if (std::getenv(variable)) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest; setting it also stops the sliding
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace ncsn
