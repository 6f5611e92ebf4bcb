#include "debiased_ema_smoother.hpp"

#include <algorithm>
#include <cmath>

DebiasedEmaSmoother::DebiasedEmaSmoother(double weight) { setWeight(weight); }

void DebiasedEmaSmoother::setWeight(double weight) { weight_ = std::clamp(weight, 0.0, kMaxWeight); }

void DebiasedEmaSmoother::reset() {
  accumulated_ = 0.0;
  count_ = 0;
}

double DebiasedEmaSmoother::add(double value) {
  if (!std::isfinite(value)) return value;
  accumulated_ = accumulated_ * weight_ + (1.0 - weight_) * value;
  ++count_;
  const double debias = 1.0 - std::pow(weight_, count_);
  return accumulated_ / debias;  // weight <= 0.999 keeps debias > 0
}

QVector<double> DebiasedEmaSmoother::smooth(const QVector<double>& values, double weight) {
  DebiasedEmaSmoother smoother(weight);
  QVector<double> smoothed;
  smoothed.reserve(values.size());
  for (double v : values) smoothed.append(smoother.add(v));
  return smoothed;
}
