#include "inpaint/mask_operations.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "inpaint/mask_values.hpp"

namespace ncsn {
namespace {

bool isKnown(uchar m) { return m >= kKnownThreshold; }

std::vector<double> gaussianKernel(int radius) {
  const double sigma = radius / 2.0;
  std::vector<double> kernel(2 * radius + 1);
  double sum = 0;
  for (int i = -radius; i <= radius; ++i) sum += kernel[i + radius] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (double& k : kernel) k /= sum;
  return kernel;
}

// One separable pass; borders repeat the edge pixel so a mask edge at the border stays sharp.
std::vector<double> blurPass(const std::vector<double>& in, int w, int h, const std::vector<double>& kernel,
                             bool horizontal) {
  const int radius = static_cast<int>(kernel.size() / 2);
  std::vector<double> out(in.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double acc = 0;
      for (int k = -radius; k <= radius; ++k) {
        const int sx = horizontal ? std::clamp(x + k, 0, w - 1) : x;
        const int sy = horizontal ? y : std::clamp(y + k, 0, h - 1);
        acc += kernel[k + radius] * in[sy * w + sx];
      }
      out[y * w + x] = acc;
    }
  return out;
}

}  // namespace

QImage invertedMask(const QImage& mask) {
  QImage out = mask.copy();
  for (int y = 0; y < out.height(); ++y) {
    uchar* row = out.scanLine(y);
    for (int x = 0; x < out.width(); ++x) row[x] = 255 - row[x];
  }
  return out;
}

QImage maskWithRectFilled(const QImage& mask, const QRect& rect, uchar value) {
  QImage out = mask.copy();
  const QRect clipped = rect.intersected(out.rect());
  for (int y = clipped.top(); y <= clipped.bottom(); ++y)
    std::fill_n(out.scanLine(y) + clipped.left(), clipped.width(), value);
  return out;
}

QImage maskWithRegionFilled(const QImage& mask, QPoint seed, uchar value) {
  QImage out = mask.copy();
  if (!out.rect().contains(seed)) return out;
  const bool regionKnown = isKnown(mask.constScanLine(seed.y())[seed.x()]);
  std::vector<bool> visited(static_cast<size_t>(out.width()) * out.height(), false);
  std::vector<QPoint> pending{seed};
  visited[seed.y() * out.width() + seed.x()] = true;
  while (!pending.empty()) {
    const QPoint p = pending.back();
    pending.pop_back();
    out.scanLine(p.y())[p.x()] = value;
    for (const QPoint step : {QPoint(1, 0), QPoint(-1, 0), QPoint(0, 1), QPoint(0, -1)}) {
      const QPoint n = p + step;
      if (!out.rect().contains(n) || visited[n.y() * out.width() + n.x()]) continue;
      if (isKnown(mask.constScanLine(n.y())[n.x()]) != regionKnown) continue;
      visited[n.y() * out.width() + n.x()] = true;
      pending.push_back(n);
    }
  }
  return out;
}

QImage featheredMask(const QImage& mask, int radius) {
  if (radius < 1) return mask.copy();
  const int w = mask.width(), h = mask.height();
  std::vector<double> values(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) values[y * w + x] = mask.constScanLine(y)[x];
  const auto kernel = gaussianKernel(radius);
  values = blurPass(blurPass(values, w, h, kernel, true), w, h, kernel, false);
  QImage out(mask.size(), QImage::Format_Grayscale8);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      out.scanLine(y)[x] = static_cast<uchar>(std::lround(std::clamp(values[y * w + x], 0.0, 255.0)));
  return out;
}

}  // namespace ncsn
