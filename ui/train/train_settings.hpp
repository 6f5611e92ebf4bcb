#pragma once
// What the train settings form produces: a plain description of a training run that the
// engine worker turns into its model and training configuration. Defaults follow the paper.
#include <QMetaType>
#include <QString>

#include "persisted_field.hpp"

struct TrainSettings {
  QString datasetPath;             // empty: the built-in default dataset
  // Empty: random weights. Otherwise a model (export, checkpoint or reference .pth) whose weights,
  // architecture and step a new run starts from; the architecture fields below are then unused.
  QString initialModel;
  int ngf = 64;                    // base width of the score network
  int numLevels = 10;              // L
  double sigmaBegin = 1.0;         // sigma_1, the largest level
  double sigmaEnd = 0.01;          // sigma_L, the smallest level
  int batchSize = 128;
  int accumulateParts = 1;         // the batch in this many parts, gradients summed (less memory)
  QString mixedPrecision = QStringLiteral("off");  // the engine's names: off, bf16 or fp16 (CUDA)
  double learningRate = 1e-3;
  qint64 iterations = 200000;
  qint64 checkpointInterval = 5000;
  QString checkpointFolder = QStringLiteral("ncsn-run");
  bool emaEnabled = false;
  double emaRate = 0.999;
  quint64 seed = 1234;
  bool rollbackOnNan = true;          // roll back to the last checkpoint with half the rate, or stop
  bool continueOnWriteError = true;   // a checkpoint that cannot be written: train on and retry, or stop

  // Empty when the settings describe a run the engine can start; otherwise why not.
  QString validationError() const;
  bool operator==(const TrainSettings& other) const;
};
Q_DECLARE_METATYPE(TrainSettings)

// Persistence in the current QSettings group, so the form reopens with the last run's settings.
// The dataset is not stored: it follows the studio's dataset box, and folders come and go.
void persistTrainSettings(QSettings& store, SettingsDirection direction, TrainSettings& settings);
