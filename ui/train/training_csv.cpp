#include "training_csv.hpp"

#include <QLocale>
#include <QTextStream>
#include <cmath>
#include <limits>

#include "file_export.hpp"
#include "training_history.hpp"

namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct CsvRow {
  double loss = kMissing, smoothed = kMissing, heldout = kMissing, lr = kMissing;
};

// Shortest text that reads back as the same double, in plain decimals over the range of
// losses and learning rates ("0.0005", not "5e-04"); NaN (missing) becomes an empty cell.
QString cell(double value) {
  if (std::isnan(value)) return {};
  const double magnitude = std::abs(value);
  const bool plain = value == 0.0 || (magnitude >= 1e-6 && magnitude < 1e15);
  return QString::number(value, plain ? 'f' : 'g', QLocale::FloatingPointShortest);
}

// Rows keyed by step; a later report for the same step (after a resume) replaces the earlier.
QMap<qint64, CsvRow> collectRows(const TrainingHistory& history) {
  QMap<qint64, CsvRow> rows;
  for (int i = 0; i < history.lossSteps().size(); ++i) {
    CsvRow& row = rows[qint64(history.lossSteps()[i])];
    row.loss = history.losses()[i];
    row.smoothed = history.smoothedLosses()[i];
  }
  for (auto it = history.heldoutLosses().cbegin(); it != history.heldoutLosses().cend(); ++it)
    rows[it.key()].heldout = it.value();
  for (auto it = history.learningRates().cbegin(); it != history.learningRates().cend(); ++it)
    rows[it.key()].lr = it.value();
  return rows;
}

}  // namespace

QByteArray trainingCsv(const TrainingHistory& history) {
  QByteArray csv;
  QTextStream stream(&csv);
  stream << kTrainingCsvHeader << '\n';
  const QMap<qint64, CsvRow> rows = collectRows(history);
  for (auto it = rows.cbegin(); it != rows.cend(); ++it) {
    const CsvRow& r = it.value();
    stream << it.key() << ',' << cell(r.loss) << ',' << cell(r.smoothed) << ',' << cell(r.heldout) << ','
           << cell(r.lr) << '\n';
  }
  stream.flush();
  return csv;
}

void writeTrainingCsv(const TrainingHistory& history, const QString& path) {
  ncsn::writeFileAtomically(path, trainingCsv(history));
}
