#pragma once
// Ready-made inpainting masks, as in the paper's occlusion experiments (Figs. 6, 16, 17).
#include <QImage>
#include <QSize>

namespace ncsn {

enum class MaskPreset {
  LeftHalf,      // columns [0, w/2) regenerate
  RightHalf,     // columns [w - w/2, w) regenerate
  TopHalf,       // rows [0, h/2) regenerate
  BottomHalf,    // rows [h - h/2, h) regenerate
  CentreSquare,  // a square of side min(w, h)/2, centred (offsets rounded down), regenerates
  RandomPixels,  // exactly round(fraction * w * h) pixels, chosen by `seed`, regenerate
};

// A Format_Grayscale8 mask: 255 = known (kept) pixel, 0 = regenerate. `fraction` and `seed`
// are used by RandomPixels only; the same seed always gives the same mask.
QImage makePresetMask(QSize size, MaskPreset preset, double fraction = 0.5, quint64 seed = 0);

}  // namespace ncsn
