#pragma once
// The file-name extension that decides an image or video format (internal, not installed).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>

namespace ncsn::detail {

// ".PNG" and ".png" name the same format: the extension with its dot, in lower case.
inline std::string lowercase_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

}  // namespace ncsn::detail
