// Images and masks through OpenCV, and our own PNG text-chunk parser.
#include "fuzz_support.hpp"
#include "ncsn/imageio/png_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ncsn::fuzz::write_input("image", data, size);
  ncsn::fuzz::expect_clean([&] { ncsn::read_png_text(path); });
  ncsn::fuzz::expect_clean([&] {
    const auto rgb = ncsn::read_image(path, 3);
    if (rgb.dim() != 3 || rgb.size(0) != 3) __builtin_trap();
  });
  ncsn::fuzz::expect_clean([&] { ncsn::read_mask(path, 12, 12); });
  return 0;
}
