#pragma once
// Small models and images for the studio suites: a random-init NCSN on 8x8 grey images is
// enough to drive every code path of the worker and the window in well under a second per job.
#include <QImage>
#include <QString>

#include "ncsn/checkpoint.hpp"

namespace ncsn::test {

inline ModelConfig tinyModelConfig() {
  ModelConfig c;
  c.channels = 1;
  c.image_size = 8;
  c.ngf = 4;
  c.num_classes = 3;
  c.sigma_begin = 0.8;
  c.sigma_end = 0.05;
  return c;
}

inline QString writeTinyCheckpoint(const QString& path) {
  torch::manual_seed(7);
  NcsnScoreNet net(tinyModelConfig());
  CheckpointMeta meta;
  meta.model = tinyModelConfig();
  meta.step = 42;
  save_checkpoint(path.toStdString(), net, meta);
  return path;
}

inline QImage gradientImage(int size) {
  QImage image(size, size, QImage::Format_Grayscale8);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) image.scanLine(y)[x] = static_cast<uchar>((x * 31 + y * 17) % 256);
  return image;
}

}  // namespace ncsn::test
