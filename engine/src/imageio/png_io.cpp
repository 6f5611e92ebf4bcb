#include "ncsn/imageio/png_io.hpp"
