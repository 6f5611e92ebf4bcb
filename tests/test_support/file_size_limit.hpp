#pragma once
// A full disk on demand, for the suites of every layer (no torch, no Qt).
#include <sys/resource.h>

namespace ncsn::test {

// Lowers the file size limit for its lifetime, with SIGXFSZ ignored so that writes fail with
// EFBIG: a full disk, even for root and without special mounts.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes);
  ~FileSizeLimit();
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

}  // namespace ncsn::test
