#include "inpaint/inpaint_row.hpp"

#include <algorithm>

namespace ncsn {
namespace {

bool isGrey(const QImage& image) { return image.isGrayscale(); }

}  // namespace

QImage maskedImage(const QImage& image, const QImage& mask) {
  const QImage::Format format = isGrey(image) ? QImage::Format_Grayscale8 : QImage::Format_RGB888;
  QImage out = image.convertToFormat(format);
  const int channels = format == QImage::Format_Grayscale8 ? 1 : 3;
  for (int y = 0; y < out.height(); ++y) {
    uchar* row = out.scanLine(y);
    const uchar* m = mask.constScanLine(y);
    for (int x = 0; x < out.width(); ++x)
      for (int c = 0; c < channels; ++c)
        row[x * channels + c] = static_cast<uchar>((row[x * channels + c] * m[x] + 127) / 255);
  }
  return out;
}

QImage composeInpaintRow(const QImage& masked, const QList<QImage>& candidates, const QImage& original, int padding) {
  QList<QImage> tiles{masked};
  tiles += candidates;
  tiles += original;
  const bool grey = std::all_of(tiles.begin(), tiles.end(), isGrey);
  const QImage::Format format = grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888;
  const int bytesPerPixel = grey ? 1 : 3;
  const QSize tile = original.size();
  QImage row((tile.width() + padding) * tiles.size() + padding, tile.height() + 2 * padding, format);
  row.fill(0);
  // Byte copies rather than QPainter: exact pixels in either format.
  for (int i = 0; i < tiles.size(); ++i) {
    const QImage source = tiles[i].convertToFormat(format);
    const int left = padding + i * (tile.width() + padding);
    const int rowBytes = std::min(source.width(), tile.width()) * bytesPerPixel;
    for (int y = 0; y < std::min(source.height(), tile.height()); ++y)
      std::copy_n(source.constScanLine(y), rowBytes, row.scanLine(padding + y) + left * bytesPerPixel);
  }
  return row;
}

}  // namespace ncsn
