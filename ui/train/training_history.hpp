#pragma once
// Everything a training run has reported, step by step: the raw and smoothed training loss,
// held-out losses and the learning rate. The source of the CSV export and of re-smoothing.
#include <QMap>
#include <QVector>

#include "debiased_ema_smoother.hpp"

class TrainingHistory {
 public:
  explicit TrainingHistory(double smoothingWeight = 0.6);

  // Returns the smoothed value of this point.
  double addLoss(qint64 step, double loss);
  void addHeldoutLoss(qint64 step, double loss) { heldout_.insert(step, loss); }
  void addLearningRate(qint64 step, double lr) { learningRate_.insert(step, lr); }
  // Re-smooths the whole loss series with the new weight.
  void setSmoothingWeight(double weight);
  void clear();

  double smoothingWeight() const { return smoother_.weight(); }
  const QVector<double>& lossSteps() const { return lossSteps_; }
  const QVector<double>& losses() const { return losses_; }
  const QVector<double>& smoothedLosses() const { return smoothed_; }
  const QMap<qint64, double>& heldoutLosses() const { return heldout_; }
  const QMap<qint64, double>& learningRates() const { return learningRate_; }

 private:
  DebiasedEmaSmoother smoother_;
  QVector<double> lossSteps_, losses_, smoothed_;  // in arrival order, as the smoother sees them
  QMap<qint64, double> heldout_, learningRate_;
};
