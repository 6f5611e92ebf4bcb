#pragma once
// CSV export of a training history: one row per reported step, empty cells where a series has
// no value at that step.
#include <QByteArray>
#include <QString>

class TrainingHistory;

// Header of the export, in column order.
inline constexpr const char* kTrainingCsvHeader = "step,loss,smoothed,heldout,lr";

QByteArray trainingCsv(const TrainingHistory& history);
// Writes trainingCsv(history) atomically; throws std::runtime_error saying why it could not.
void writeTrainingCsv(const TrainingHistory& history, const QString& path);
