#pragma once
// Conversions between engine tensors (float, [0, 1], CHW) and 8-bit QImages, done on the
// engine thread so the UI only ever paints ready images.
#include <QImage>
#include <QList>

#include <torch/types.h>

namespace ncsn {

// [C, H, W] float (C = 1 or 3), clamped to [0, 1]; any device.
QImage tensorToImage(const torch::Tensor& chw);
// [N, C, H, W] -> N images (the first `limit` when limit >= 0).
QList<QImage> batchToImages(const torch::Tensor& nchw, int limit = -1);
// Any QImage -> float [channels, H, W] in [0, 1] (grey or RGB as asked).
torch::Tensor imageToTensor(const QImage& image, int channels);
// A Grayscale8 mask (255 = keep) -> float [1, H, W] keep-weights in [0, 1].
torch::Tensor maskToTensor(const QImage& mask);

}  // namespace ncsn

namespace ncsn {
// [N, C, H, W] -> one grid image with `columns` columns and 2-pixel padding (as exports do).
QImage batchToGrid(const torch::Tensor& nchw, int columns);
}  // namespace ncsn
