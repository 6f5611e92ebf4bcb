#include "synthetic_training_run.hpp"

#include <QImage>
#include <QRandomGenerator>
#include <cmath>

#include "train_dashboard.hpp"

namespace {

constexpr int kLevels = 10;
constexpr int kCheckpointEvery = 5000;
constexpr int kHeldoutEvery = 100;
constexpr double kItersPerSecond = 38.6;

double gaussian(QRandomGenerator& rng) {
  const double u = 1.0 - rng.generateDouble(), v = rng.generateDouble();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

double expectedLoss(int step) { return 9.5 + 42.0 * std::exp(-step / 1800.0) + 6.0 * std::exp(-step / 9000.0); }

// An 8x8 grid of 28x28 "garments": soft bright blobs whose noise fades as training goes on.
QImage previewGrid(int step, QRandomGenerator& rng) {
  const int tile = 28, tiles = 8;
  QImage grid(tile * tiles, tile * tiles, QImage::Format_Grayscale8);
  const double noise = 120.0 * std::exp(-step / 6000.0) + 12.0;
  for (int ty = 0; ty < tiles; ++ty) {
    for (int tx = 0; tx < tiles; ++tx) {
      const double width = 5.0 + rng.bounded(5.0), height = 7.0 + rng.bounded(5.0);
      for (int y = 0; y < tile; ++y) {
        uchar* line = grid.scanLine(ty * tile + y);
        for (int x = 0; x < tile; ++x) {
          const double dx = (x - 13.5) / width, dy = (y - 13.5) / height;
          const double shape = 220.0 * std::exp(-std::pow(dx * dx + dy * dy, 2.0));
          line[tx * tile + x] = uchar(std::clamp(shape + noise * gaussian(rng), 0.0, 255.0));
        }
      }
    }
  }
  return grid;
}

}  // namespace

void feedSyntheticTrainingRun(TrainDashboard& dashboard, int steps, int totalSteps) {
  QRandomGenerator rng(2019);
  QVector<double> sigmas(kLevels);
  for (int i = 0; i < kLevels; ++i) sigmas[i] = std::pow(0.01, double(i) / (kLevels - 1));
  double lr = 1e-3;
  for (int step = 1; step <= steps; ++step) {
    if (step == 14200) lr /= 2;  // a rollback after a divergence halves the rate
    const double spike = (step > 14000 && step < 14200) ? 25.0 * std::exp(-(14200 - step) / 40.0) : 0.0;
    const double loss = expectedLoss(step) * (1.0 + 0.12 * gaussian(rng)) + spike;
    dashboard.addLossPoint(step, loss);
    dashboard.addLearningRate(step, lr);
    QVector<double> levels(kLevels);
    for (int i = 0; i < kLevels; ++i)  // sigma^2 weighting keeps the levels within a factor ~2
      levels[i] = expectedLoss(step) * (0.75 + 0.5 * i / (kLevels - 1)) * (1.0 + 0.3 * gaussian(rng));
    dashboard.addLevelLosses(step, levels, sigmas);
    if (step % kHeldoutEvery == 0) dashboard.addHeldoutLoss(step, expectedLoss(step) * 1.04 + 0.4 * gaussian(rng));
    if (step % 2500 == 0) dashboard.addPreview(step, previewGrid(step, rng));
    if (step % kCheckpointEvery == 0)
      dashboard.checkpointWritten(step, QString("/home/me/ncsn-run/checkpoint_%1.ncsn").arg(step, 6, 10, QChar('0')),
                                  expectedLoss(step) * 1.04);
  }
  dashboard.setThroughput(kItersPerSecond, steps / kItersPerSecond, (totalSteps - steps) / kItersPerSecond);
}
