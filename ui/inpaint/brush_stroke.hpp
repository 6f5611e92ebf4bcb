#pragma once
// One press-drag-release of the brush or the eraser, in image pixel coordinates.
//
// The stroke remembers the mask as it was before it started and the highest coverage each pixel
// has received so far, so overlapping segments of one stroke never darken a soft edge twice.
#include <QImage>
#include <QPointF>
#include <QRect>
#include <vector>

namespace ncsn {

struct BrushShape {
  double diameter = 3;  // in image pixels
  double hardness = 1;  // 1: hard disc; 0: coverage falls linearly from the centre to the rim
};

class BrushStroke {
 public:
  // `target`: the value the brush paints (kRegenerateValue for the brush, kKnownValue for the eraser).
  BrushStroke(const QImage& maskBefore, BrushShape shape, uchar target);

  // Covers the capsule swept by the brush from `from` to `to` (image coordinates, pixel (x, y)
  // spans [x, x+1) x [y, y+1); a pixel is covered by its centre). Returns the pixels that changed.
  QRect addSegment(QPointF from, QPointF to);

  const QImage& maskBefore() const { return before_; }
  const QImage& mask() const { return mask_; }

 private:
  double coverageAt(double distance) const;

  QImage before_, mask_;
  std::vector<uchar> coverage_;  // 0..255 per pixel, the maximum over the stroke's segments
  BrushShape shape_;
  uchar target_;
};

}  // namespace ncsn
