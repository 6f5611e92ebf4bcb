#pragma once
// The "Train" settings panel: model, noise levels, optimisation and checkpointing fields, and
// the run controls. It only describes and requests; the engine worker does the work.
#include <QWidget>

#include "train_settings.hpp"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

class TrainSettingsForm : public QWidget {
  Q_OBJECT
 public:
  enum class RunState { Idle, Running, Paused };
  Q_ENUM(RunState)

  explicit TrainSettingsForm(QWidget* parent = nullptr);

  TrainSettings settings() const;
  void setSettings(const TrainSettings& settings);
  RunState runState() const { return runState_; }

 public slots:
  // Enables the controls that make sense in this state (the worker reports it).
  void setRunState(TrainSettingsForm::RunState state);
  void setDatasetPath(const QString& path);

 signals:
  void datasetChooserRequested();
  void startRequested(const TrainSettings& settings);
  void pauseRequested();
  void resumeRequested();
  void stopRequested();  // the worker writes a checkpoint before it stops
  void resumeFromCheckpointRequested(const QString& checkpointPath);

 private:
  QWidget* buildModelGroup();
  QWidget* buildOptimisationGroup();
  QWidget* buildCheckpointGroup();
  QWidget* buildRunButtons();
  void chooseCheckpointFolder();
  void chooseInitialModel();
  void setInitialModel(const QString& path);
  void chooseCheckpointToResume();
  void requestStart();
  void updateValidity();

  QLineEdit* dataset_;
  QLineEdit* initialModel_;
  QSpinBox* ngf_;
  QSpinBox* numLevels_;
  QDoubleSpinBox* sigmaBegin_;
  QDoubleSpinBox* sigmaEnd_;
  QSpinBox* batchSize_;
  QSpinBox* accumulateParts_;
  QComboBox* mixedPrecision_;
  QDoubleSpinBox* learningRate_;
  QSpinBox* iterations_;
  QSpinBox* checkpointInterval_;
  QLineEdit* checkpointFolder_;
  QCheckBox* emaEnabled_;
  QCheckBox *rollbackOnNan_, *continueOnWriteError_;
  QDoubleSpinBox* emaRate_;
  QSpinBox* seed_;
  QLabel* validation_;
  QPushButton* start_;
  QPushButton* pause_;
  QPushButton* resume_;
  QPushButton* stop_;
  QPushButton* resumeFromCheckpoint_;
  RunState runState_ = RunState::Idle;
};
