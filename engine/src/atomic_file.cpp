#include "ncsn/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <system_error>

#include "ncsn/errors.hpp"

namespace ncsn {
namespace {

std::atomic<int> temp_counter{0};

std::string os_reason(int err) { return std::strerror(err); }

[[noreturn]] void fail(const std::string& path, const std::string& tmp, int err, int fd = -1) {
  if (fd >= 0) ::close(fd);
  ::unlink(tmp.c_str());
  throw WriteError("could not write " + path + ": " + os_reason(err) +
                   (err == ENOSPC ? " (the disk is full; the previous file is intact)" : " (the previous file is intact)"));
}

void fsync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: the rename itself is already atomic
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::filesystem::path target(path);
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(temp_counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, tmp, errno);
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path, tmp, n < 0 ? errno : ENOSPC, fd);
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) fail(path, tmp, errno, fd);
  if (::close(fd) != 0) fail(path, tmp, errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(path, tmp, errno);
  fsync_directory(target.parent_path());
}

void require_output_folder(const std::string& path) {
  const auto folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (folder.empty() || std::filesystem::is_directory(folder, ec)) return;
  throw WriteError("could not write " + path + ": " +
                   (std::filesystem::exists(folder, ec) ? folder.string() + " is not a folder"
                                                        : "the folder " + folder.string() + " does not exist"));
}

bool is_temp_file_name(const std::string& filename) { return filename.find(".tmp-") != std::string::npos; }

int remove_stale_temp_files(const std::string& dir) {
  static const std::regex ours(R"(.+\.tmp-(\d{1,9})-\d+)");
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !std::regex_match(name, m, ours)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(m[1].str()));
    // ESRCH: no such process. EPERM means it exists under another user, so it stays.
    const bool writer_gone = pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
    if (writer_gone && std::filesystem::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace ncsn
