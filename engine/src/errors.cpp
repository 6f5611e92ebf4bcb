#include "ncsn/errors.hpp"

#include <c10/util/Exception.h>

#include <new>

namespace ncsn {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string first_line(const std::exception& e) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  return first_line(torch_error ? torch_error->what_without_backtrace() : e.what());
}

std::string describe_error(const std::exception& e) {
  std::string text = first_line(e);
  const bool out_of_memory = dynamic_cast<const c10::OutOfMemoryError*>(&e) || dynamic_cast<const std::bad_alloc*>(&e) ||
                             text.find("out of memory") != std::string::npos ||
                             text.find("can't allocate memory") != std::string::npos;  // LibTorch's CPU allocator
  if (out_of_memory)
    text += " — lower the batch size or the number of samples, train in gradient parts (--accumulate), "
            "or switch to the CPU";
  return text;
}

}  // namespace ncsn
