#include "train_settings.hpp"

#include <QCoreApplication>
#include <QSettings>

QString TrainSettings::validationError() const {
  auto tr = [](const char* text) { return QCoreApplication::translate("TrainSettings", text); };
  if (!(sigmaBegin > sigmaEnd && sigmaEnd > 0.0)) return tr("σ₁ must be larger than σ_L, and σ_L above zero.");
  if (numLevels < 1) return tr("At least one noise level is needed.");
  if (checkpointFolder.trimmed().isEmpty()) return tr("Choose a checkpoint folder.");
  if (emaEnabled && !(emaRate > 0.0 && emaRate < 1.0)) return tr("The EMA rate must lie between 0 and 1.");
  return {};
}

bool TrainSettings::operator==(const TrainSettings& o) const {
  return datasetPath == o.datasetPath && ngf == o.ngf && numLevels == o.numLevels && sigmaBegin == o.sigmaBegin &&
         sigmaEnd == o.sigmaEnd && batchSize == o.batchSize && learningRate == o.learningRate &&
         iterations == o.iterations && checkpointInterval == o.checkpointInterval &&
         checkpointFolder == o.checkpointFolder && emaEnabled == o.emaEnabled && emaRate == o.emaRate && seed == o.seed &&
         rollbackOnNan == o.rollbackOnNan && continueOnWriteError == o.continueOnWriteError;
}

void writeTrainSettings(QSettings& store, const TrainSettings& s) {
  store.setValue(QStringLiteral("ngf"), s.ngf);
  store.setValue(QStringLiteral("levels"), s.numLevels);
  store.setValue(QStringLiteral("sigmaBegin"), s.sigmaBegin);
  store.setValue(QStringLiteral("sigmaEnd"), s.sigmaEnd);
  store.setValue(QStringLiteral("batch"), s.batchSize);
  store.setValue(QStringLiteral("lr"), s.learningRate);
  store.setValue(QStringLiteral("iterations"), s.iterations);
  store.setValue(QStringLiteral("checkpointEvery"), s.checkpointInterval);
  store.setValue(QStringLiteral("folder"), s.checkpointFolder);
  store.setValue(QStringLiteral("ema"), s.emaEnabled);
  store.setValue(QStringLiteral("emaRate"), s.emaRate);
  store.setValue(QStringLiteral("seed"), s.seed);
  store.setValue(QStringLiteral("rollbackOnNan"), s.rollbackOnNan);
  store.setValue(QStringLiteral("continueOnWriteError"), s.continueOnWriteError);
}

TrainSettings readTrainSettings(const QSettings& store, const TrainSettings& defaults) {
  TrainSettings s = defaults;
  s.ngf = store.value(QStringLiteral("ngf"), s.ngf).toInt();
  s.numLevels = store.value(QStringLiteral("levels"), s.numLevels).toInt();
  s.sigmaBegin = store.value(QStringLiteral("sigmaBegin"), s.sigmaBegin).toDouble();
  s.sigmaEnd = store.value(QStringLiteral("sigmaEnd"), s.sigmaEnd).toDouble();
  s.batchSize = store.value(QStringLiteral("batch"), s.batchSize).toInt();
  s.learningRate = store.value(QStringLiteral("lr"), s.learningRate).toDouble();
  s.iterations = store.value(QStringLiteral("iterations"), s.iterations).toLongLong();
  s.checkpointInterval = store.value(QStringLiteral("checkpointEvery"), s.checkpointInterval).toLongLong();
  s.checkpointFolder = store.value(QStringLiteral("folder"), s.checkpointFolder).toString();
  s.emaEnabled = store.value(QStringLiteral("ema"), s.emaEnabled).toBool();
  s.emaRate = store.value(QStringLiteral("emaRate"), s.emaRate).toDouble();
  s.seed = store.value(QStringLiteral("seed"), s.seed).toULongLong();
  s.rollbackOnNan = store.value(QStringLiteral("rollbackOnNan"), s.rollbackOnNan).toBool();
  s.continueOnWriteError = store.value(QStringLiteral("continueOnWriteError"), s.continueOnWriteError).toBool();
  return s;
}
