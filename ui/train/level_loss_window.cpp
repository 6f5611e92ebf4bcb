#include "level_loss_window.hpp"

#include <cmath>
#include <limits>

LevelLossWindow::LevelLossWindow(int capacity) : capacity_(capacity > 0 ? capacity : 1) {}

void LevelLossWindow::add(const QVector<double>& levelLosses) {
  if (levelLosses.size() != levelCount_) {
    clear();
    levelCount_ = int(levelLosses.size());
  }
  reports_.push_back(levelLosses);
  if (int(reports_.size()) > capacity_) reports_.pop_front();
}

void LevelLossWindow::clear() {
  reports_.clear();
  levelCount_ = 0;
}

QVector<double> LevelLossWindow::means() const {
  QVector<double> sum(levelCount_, 0.0);
  QVector<int> count(levelCount_, 0);
  for (const QVector<double>& report : reports_) {
    for (int i = 0; i < levelCount_; ++i) {
      if (!std::isfinite(report[i])) continue;
      sum[i] += report[i];
      ++count[i];
    }
  }
  QVector<double> mean(levelCount_, std::numeric_limits<double>::quiet_NaN());
  for (int i = 0; i < levelCount_; ++i)
    if (count[i] > 0) mean[i] = sum[i] / count[i];
  return mean;
}
