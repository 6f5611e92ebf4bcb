#pragma once
// Mean loss per noise level over the most recent reports. A single batch only covers some
// levels (each example draws one), so one report is too noisy to plot on its own.
#include <QVector>
#include <deque>

class LevelLossWindow {
 public:
  explicit LevelLossWindow(int capacity = 200);

  // `levelLosses[i]` is the batch mean at level i, NaN where the batch had no example there.
  // A report with a different level count (a new run) restarts the window.
  void add(const QVector<double>& levelLosses);
  void clear();

  // Per level mean over the window; NaN for a level that no report in the window covered.
  QVector<double> means() const;
  int levelCount() const { return levelCount_; }
  int size() const { return int(reports_.size()); }
  int capacity() const { return capacity_; }

 private:
  int capacity_;
  int levelCount_ = 0;
  std::deque<QVector<double>> reports_;
};
