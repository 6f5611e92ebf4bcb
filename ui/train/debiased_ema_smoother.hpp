#pragma once
// TensorBoard's scalar smoothing: an exponential moving average started at zero and
// de-biased by 1 - w^n, so the first points are not dragged towards zero.
#include <QVector>

class DebiasedEmaSmoother {
 public:
  explicit DebiasedEmaSmoother(double weight = 0.6);

  // Feeds the next raw value and returns its smoothed value. Non-finite values pass through
  // unchanged and do not enter the average (as in TensorBoard).
  double add(double value);
  void reset();

  double weight() const { return weight_; }
  // Clamped to [0, 0.999]; takes effect for the values added after a reset().
  void setWeight(double weight);

  // Smooths a whole series from scratch.
  static QVector<double> smooth(const QVector<double>& values, double weight);

  static constexpr double kMaxWeight = 0.999;

 private:
  double weight_;
  double accumulated_ = 0.0;
  int count_ = 0;
};
