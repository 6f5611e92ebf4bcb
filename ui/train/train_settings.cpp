#include "train_settings.hpp"

#include <QCoreApplication>

QString TrainSettings::validationError() const {
  auto tr = [](const char* text) { return QCoreApplication::translate("TrainSettings", text); };
  if (!(sigmaBegin > sigmaEnd && sigmaEnd > 0.0)) return tr("σ₁ must be larger than σ_L, and σ_L above zero.");
  if (numLevels < 1) return tr("At least one noise level is needed.");
  if (checkpointFolder.trimmed().isEmpty()) return tr("Choose a checkpoint folder.");
  if (emaEnabled && !(emaRate > 0.0 && emaRate < 1.0)) return tr("The EMA rate must lie between 0 and 1.");
  if (accumulateParts < 1 || batchSize % accumulateParts != 0)
    return tr("The batch size must be a multiple of the number of gradient parts.");
  return {};
}

bool TrainSettings::operator==(const TrainSettings& o) const {
  return datasetPath == o.datasetPath && initialModel == o.initialModel && ngf == o.ngf && numLevels == o.numLevels &&
         sigmaBegin == o.sigmaBegin && sigmaEnd == o.sigmaEnd && batchSize == o.batchSize &&
         accumulateParts == o.accumulateParts && mixedPrecision == o.mixedPrecision && learningRate == o.learningRate &&
         iterations == o.iterations && checkpointInterval == o.checkpointInterval &&
         checkpointFolder == o.checkpointFolder && emaEnabled == o.emaEnabled && emaRate == o.emaRate && seed == o.seed &&
         rollbackOnNan == o.rollbackOnNan && continueOnWriteError == o.continueOnWriteError;
}

void persistTrainSettings(QSettings& store, SettingsDirection d, TrainSettings& s) {
  persistField(store, d, QStringLiteral("initialModel"), s.initialModel);
  persistField(store, d, QStringLiteral("ngf"), s.ngf);
  persistField(store, d, QStringLiteral("levels"), s.numLevels);
  persistField(store, d, QStringLiteral("sigmaBegin"), s.sigmaBegin);
  persistField(store, d, QStringLiteral("sigmaEnd"), s.sigmaEnd);
  persistField(store, d, QStringLiteral("batch"), s.batchSize);
  persistField(store, d, QStringLiteral("accumulate"), s.accumulateParts);
  persistField(store, d, QStringLiteral("mixedPrecision"), s.mixedPrecision);
  persistField(store, d, QStringLiteral("lr"), s.learningRate);
  persistField(store, d, QStringLiteral("iterations"), s.iterations);
  persistField(store, d, QStringLiteral("checkpointEvery"), s.checkpointInterval);
  persistField(store, d, QStringLiteral("folder"), s.checkpointFolder);
  persistField(store, d, QStringLiteral("ema"), s.emaEnabled);
  persistField(store, d, QStringLiteral("emaRate"), s.emaRate);
  persistField(store, d, QStringLiteral("seed"), s.seed);
  persistField(store, d, QStringLiteral("rollbackOnNan"), s.rollbackOnNan);
  persistField(store, d, QStringLiteral("continueOnWriteError"), s.continueOnWriteError);
}
