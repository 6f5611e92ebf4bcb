#pragma once
// Shared by the libFuzzer targets: the engine reads files by path, so each input goes to a
// scratch file first. Only the engine's documented rejections are caught; anything else
// (a crash, a sanitizer report, another exception type) is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "ncsn/errors.hpp"

namespace ncsn::fuzz {

// A per-process scratch folder, so parallel fuzzing jobs do not share files.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("ncsn-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  const auto path = (scratch_dir() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// Runs `read`; a DataError (or ConfigError where the reader documents one) is a clean rejection.
template <typename F>
void expect_clean(F&& read) {
  try {
    read();
  } catch (const DataError&) {
  } catch (const ConfigError&) {
  }
}

}  // namespace ncsn::fuzz
