#pragma once
// CSV export of a training history: one row per reported step, empty cells where a series has
// no value at that step.
#include <QString>

class QIODevice;
class TrainingHistory;

// Header of the export, in column order.
inline constexpr const char* kTrainingCsvHeader = "step,loss,smoothed,heldout,lr";

bool writeTrainingCsv(const TrainingHistory& history, QIODevice& out);
bool writeTrainingCsv(const TrainingHistory& history, const QString& path);
