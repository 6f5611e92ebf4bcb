#include "ncsn/shipped_files.hpp"

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace ncsn {

std::optional<std::string> find_shipped_file(const std::string& relative) {
  std::vector<std::filesystem::path> roots;
  if (const char* dir = std::getenv("NCSN_RESOURCE_DIR"); dir && *dir) roots.emplace_back(dir);
  // Installed: <prefix>/bin/<program> next to <prefix>/share/ncsn-studio, whatever the prefix.
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.push_back(exe.parent_path().parent_path() / "share" / "ncsn-studio");
  roots.emplace_back(NCSN_SOURCE_RESOURCE_DIR);
  for (const auto& root : roots) {
    const auto candidate = root / relative;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate.string();
  }
  return std::nullopt;
}

}  // namespace ncsn
