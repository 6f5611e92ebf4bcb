#include "training_history.hpp"

TrainingHistory::TrainingHistory(double smoothingWeight) : smoother_(smoothingWeight) {}

double TrainingHistory::addLoss(qint64 step, double loss) {
  const double smoothed = smoother_.add(loss);
  lossSteps_.append(double(step));
  losses_.append(loss);
  smoothed_.append(smoothed);
  return smoothed;
}

void TrainingHistory::setSmoothingWeight(double weight) {
  smoother_.setWeight(weight);
  smoother_.reset();
  for (int i = 0; i < losses_.size(); ++i) smoothed_[i] = smoother_.add(losses_[i]);
}

void TrainingHistory::clear() {
  smoother_.reset();
  lossSteps_.clear();
  losses_.clear();
  smoothed_.clear();
  heldout_.clear();
  learningRate_.clear();
}
