#include "inpaint/mask_presets.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "inpaint/mask_values.hpp"

namespace ncsn {
namespace {

QImage maskWithRegeneratedRect(QSize size, const QRect& regenerated) {
  QImage mask(size, QImage::Format_Grayscale8);
  mask.fill(kKnownValue);
  for (int y = regenerated.top(); y <= regenerated.bottom(); ++y)
    std::fill_n(mask.scanLine(y) + regenerated.left(), regenerated.width(), kRegenerateValue);
  return mask;
}

// std::mt19937_64's raw output is fixed by the standard, unlike std's distributions, so a seed
// gives the same pixels with every compiler. The modulo bias is far below one pixel.
QImage randomPixelsMask(QSize size, double fraction, quint64 seed) {
  const int pixels = size.width() * size.height();
  const int regenerated = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * pixels));
  std::vector<int> order(pixels);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  for (int i = pixels - 1; i > 0; --i) std::swap(order[i], order[rng() % static_cast<quint64>(i + 1)]);
  QImage mask(size, QImage::Format_Grayscale8);
  mask.fill(kKnownValue);
  for (int i = 0; i < regenerated; ++i)
    mask.scanLine(order[i] / size.width())[order[i] % size.width()] = kRegenerateValue;
  return mask;
}

}  // namespace

QImage makePresetMask(QSize size, MaskPreset preset, double fraction, quint64 seed) {
  const int w = size.width(), h = size.height();
  switch (preset) {
    case MaskPreset::LeftHalf:
      return maskWithRegeneratedRect(size, QRect(0, 0, w / 2, h));
    case MaskPreset::RightHalf:
      return maskWithRegeneratedRect(size, QRect(w - w / 2, 0, w / 2, h));
    case MaskPreset::TopHalf:
      return maskWithRegeneratedRect(size, QRect(0, 0, w, h / 2));
    case MaskPreset::BottomHalf:
      return maskWithRegeneratedRect(size, QRect(0, h - h / 2, w, h / 2));
    case MaskPreset::CentreSquare: {
      const int side = std::min(w, h) / 2;
      return maskWithRegeneratedRect(size, QRect((w - side) / 2, (h - side) / 2, side, side));
    }
    case MaskPreset::RandomPixels:
      return randomPixelsMask(size, fraction, seed);
  }
  return {};
}

}  // namespace ncsn
