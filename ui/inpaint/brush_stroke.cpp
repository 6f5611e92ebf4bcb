#include "inpaint/brush_stroke.hpp"

#include <algorithm>
#include <cmath>

namespace ncsn {
namespace {

double distanceToSegment(QPointF p, QPointF a, QPointF b) {
  const QPointF ab = b - a;
  const double lengthSquared = QPointF::dotProduct(ab, ab);
  const double t = lengthSquared > 0 ? std::clamp(QPointF::dotProduct(p - a, ab) / lengthSquared, 0.0, 1.0) : 0.0;
  const QPointF nearest = a + t * ab;
  return std::hypot(p.x() - nearest.x(), p.y() - nearest.y());
}

}  // namespace

BrushStroke::BrushStroke(const QImage& maskBefore, BrushShape shape, uchar target)
    : before_(maskBefore.copy()),
      mask_(maskBefore.copy()),
      coverage_(static_cast<size_t>(maskBefore.width()) * maskBefore.height(), 0),
      shape_(shape),
      target_(target) {}

double BrushStroke::coverageAt(double distance) const {
  const double radius = shape_.diameter / 2;
  const double solidRadius = radius * std::clamp(shape_.hardness, 0.0, 1.0);
  if (distance <= solidRadius) return 1;
  if (distance > radius) return 0;
  return (radius - distance) / (radius - solidRadius);
}

QRect BrushStroke::addSegment(QPointF from, QPointF to) {
  const double radius = shape_.diameter / 2;
  const QRect reach = QRect(QPoint(static_cast<int>(std::floor(std::min(from.x(), to.x()) - radius)),
                                   static_cast<int>(std::floor(std::min(from.y(), to.y()) - radius))),
                            QPoint(static_cast<int>(std::ceil(std::max(from.x(), to.x()) + radius)),
                                   static_cast<int>(std::ceil(std::max(from.y(), to.y()) + radius))))
                          .intersected(mask_.rect());
  QRect changed;
  for (int y = reach.top(); y <= reach.bottom(); ++y)
    for (int x = reach.left(); x <= reach.right(); ++x) {
      const double c = coverageAt(distanceToSegment(QPointF(x + 0.5, y + 0.5), from, to));
      uchar& covered = coverage_[y * mask_.width() + x];
      const auto coverage = static_cast<uchar>(std::lround(c * 255));
      if (coverage <= covered) continue;
      covered = coverage;
      const int before = before_.constScanLine(y)[x];
      mask_.scanLine(y)[x] = static_cast<uchar>(before + std::lround((target_ - before) * coverage / 255.0));
      changed |= QRect(x, y, 1, 1);
    }
  return changed;
}

}  // namespace ncsn
