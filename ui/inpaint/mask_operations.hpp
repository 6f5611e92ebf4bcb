#pragma once
// Whole-mask edits. Each takes a Format_Grayscale8 mask and returns the edited copy, so the
// caller can hand "before" and "after" to the undo stack.
#include <QImage>
#include <QPoint>
#include <QRect>

namespace ncsn {

// m -> 255 - m: kept pixels become regenerated and the other way round.
QImage invertedMask(const QImage& mask);

// Sets every pixel of `rect` (clipped to the mask) to `value`.
QImage maskWithRectFilled(const QImage& mask, const QRect& rect, uchar value);

// Sets to `value` the 4-connected region around `seed` whose pixels are on the same side of
// kKnownThreshold as the seed pixel (so a soft edge belongs to the region it is closest to).
QImage maskWithRegionFilled(const QImage& mask, QPoint seed, uchar value);

// Softens edges with a Gaussian blur of standard deviation radius/2 (support +-radius).
// Flat regions stay exactly 0 or 255; only pixels within `radius` of an edge change.
QImage featheredMask(const QImage& mask, int radius);

}  // namespace ncsn
