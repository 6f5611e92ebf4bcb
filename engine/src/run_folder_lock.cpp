#include "ncsn/run_folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "ncsn/errors.hpp"

namespace ncsn {
namespace {

constexpr const char* kLockFileName = "training.lock";

// "process 4242 on host, since 2026-12-07 19:02:11": who holds the lock, for the message.
std::string holder_description() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char since[32] = {};
  std::strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S", &local);
  return "process " + std::to_string(::getpid()) + " on " + host + ", since " + since;
}

std::string read_holder(int fd) {
  char buffer[512] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string_view text(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

RunFolderLock::RunFolderLock(const std::string& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) throw WriteError("could not create the run folder " + folder + ": " + ec.message());
  const std::string path = (std::filesystem::path(folder) / kLockFileName).string();
  // CLOEXEC: a program the trainer starts must not inherit, and so keep, the lock.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw WriteError("could not create " + path + ": " + std::generic_category().message(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string holder = read_holder(fd_);
    ::close(fd_);
    if (err != EWOULDBLOCK) throw WriteError("could not lock " + path + ": " + std::generic_category().message(err));
    throw ConfigError("the run folder " + folder + " is in use by another training" +
                      (holder.empty() ? std::string() : " (" + holder + ")") +
                      ": wait for it to finish or stop it, or train into another folder");
  }
  const std::string holder = holder_description() + "\n";
  // Who holds it is only for the message of a refused run, so a failure to say it is no error.
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, holder.data(), holder.size(), 0);
}

RunFolderLock::~RunFolderLock() { ::close(fd_); }  // closing drops the lock

}  // namespace ncsn
