#pragma once
// What the bytes of a mask mean. Masks are Format_Grayscale8 images of the image's size.
//
// 255 marks a known pixel (kept, re-imposed after every Langevin step), 0 a pixel to regenerate,
// as in `ncsn inpaint` (white = keep, black = regenerate). Soft brushes and feathering leave
// values in between: they are kept as they are, as blend weights m/255 between the known pixel
// and the chain (the engine's inpaint lerps with the mask), and a pixel counts as "known" for
// flood fill when m >= kKnownThreshold, the threshold `ncsn inpaint` applies to mask files.
#include <QtGlobal>

namespace ncsn {

constexpr uchar kKnownValue = 255;
constexpr uchar kRegenerateValue = 0;
constexpr uchar kKnownThreshold = 128;

}  // namespace ncsn
