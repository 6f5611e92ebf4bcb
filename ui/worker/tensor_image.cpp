#include "tensor_image.hpp"

#include <torch/torch.h>

namespace ncsn {

QImage tensorToImage(const torch::Tensor& chw) {
  auto bytes = chw.detach().clamp(0, 1).mul(255).round().to(torch::kU8).permute({1, 2, 0}).contiguous().cpu();
  const int h = static_cast<int>(bytes.size(0)), w = static_cast<int>(bytes.size(1));
  const bool grey = bytes.size(2) == 1;
  QImage view(bytes.data_ptr<uint8_t>(), w, h, static_cast<qsizetype>(w * bytes.size(2)),
              grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  return view.copy();  // own the pixels: the tensor dies here
}

QList<QImage> batchToImages(const torch::Tensor& nchw, int limit) {
  const int64_t n = limit >= 0 ? std::min<int64_t>(limit, nchw.size(0)) : nchw.size(0);
  QList<QImage> out;
  out.reserve(static_cast<qsizetype>(n));
  auto host = nchw.narrow(0, 0, n).detach().cpu();
  for (int64_t i = 0; i < n; ++i) out.append(tensorToImage(host[i]));
  return out;
}

torch::Tensor imageToTensor(const QImage& image, int channels) {
  const QImage converted = image.convertToFormat(channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  const int64_t h = converted.height(), w = converted.width();
  auto out = torch::empty({h, w, channels}, torch::kU8);
  for (int64_t y = 0; y < h; ++y)
    std::memcpy(out[y].data_ptr<uint8_t>(), converted.constScanLine(static_cast<int>(y)), static_cast<size_t>(w * channels));
  return out.permute({2, 0, 1}).to(torch::kFloat).div(255).contiguous();
}

torch::Tensor maskToTensor(const QImage& mask) { return imageToTensor(mask, 1); }

}  // namespace ncsn

#include "ncsn/image_grid.hpp"

namespace ncsn {

QImage batchToGrid(const torch::Tensor& nchw, int columns) {
  auto hwc = make_grid(nchw.detach().cpu(), columns).contiguous();
  const int h = static_cast<int>(hwc.size(0)), w = static_cast<int>(hwc.size(1));
  const bool grey = hwc.size(2) == 1;
  return QImage(hwc.data_ptr<uint8_t>(), w, h, static_cast<qsizetype>(w * hwc.size(2)),
                grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888)
      .copy();
}

}  // namespace ncsn
