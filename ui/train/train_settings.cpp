#include "train_settings.hpp"

#include <QCoreApplication>

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
