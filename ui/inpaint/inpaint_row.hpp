#pragma once
// The picture the paper shows for inpainting (Figs. 6, 16, 17): one row of
// masked input | candidates... | original, laid out like `ncsn inpaint`'s output (torchvision's
// make_grid: 2 black pixels around and between tiles).
#include <QImage>
#include <QList>

namespace ncsn {

// The image with regenerated pixels blacked out: each channel times m/255.
QImage maskedImage(const QImage& image, const QImage& mask);

// All tiles must have `original`'s size. Grayscale8 when every tile is grey, RGB888 otherwise.
// Width: (candidates + 2) * (w + padding) + padding; height: h + 2 * padding.
QImage composeInpaintRow(const QImage& masked, const QList<QImage>& candidates, const QImage& original,
                         int padding = 2);

}  // namespace ncsn
