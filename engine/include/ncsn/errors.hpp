#pragma once
// Engine errors carry messages a user can act on; front ends catch them at their boundary.
#include <stdexcept>
#include <string>

namespace ncsn {

// A file is missing, unreadable, truncated, of the wrong format or of the wrong shape.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A file could not be written (disk full, permission denied, ...). Existing files are untouched.
struct WriteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Training or sampling produced NaN/Inf.
struct NonFiniteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Settings that cannot work together (e.g. a checkpoint for 3x32x32 with a 1x28x28 dataset).
struct ConfigError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The first line of an error message: LibTorch appends a C++ backtrace, and file errors quote
// the library's own message inside a sentence of ours.
std::string first_line(const std::string& text);

// The first line of any exception's message, without the C++ backtrace LibTorch's c10::Error
// carries (TorchScript's ErrorReport is a plain std::runtime_error).
std::string first_line(const std::exception& e);

// What a front end shows for an error caught at its boundary: the first line of the message
// (LibTorch appends a C++ backtrace), and for running out of memory what to do about it.
std::string describe_error(const std::exception& e);

}  // namespace ncsn
