#pragma once
// One training per run folder. Two runs writing the same folder would interleave their checkpoints
// and each resume from the other's, so the second is refused while the first runs.
#include <string>

namespace ncsn {

class RunFolderLock {
 public:
  // Creates the folder if needed and takes its lock file ("training.lock"), or throws ConfigError
  // naming the process that holds it. The kernel drops the lock when its holder exits, however it
  // ends (SIGKILL included), so a killed run never blocks the next one. WriteError when the folder
  // or the lock file cannot be created.
  explicit RunFolderLock(const std::string& folder);
  ~RunFolderLock();
  RunFolderLock(const RunFolderLock&) = delete;
  RunFolderLock& operator=(const RunFolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace ncsn
