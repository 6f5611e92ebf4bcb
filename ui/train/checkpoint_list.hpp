#pragma once
// The checkpoints a run has written (step, held-out loss, file) with the sample preview
// nearest before each, and a step slider to flip between them. Double-clicking a row asks
// for that checkpoint to be loaded.
#include <QImage>
#include <QMap>
#include <QWidget>

class QLabel;
class QSlider;
class QTableWidget;
class ScaledImageView;

class CheckpointList : public QWidget {
  Q_OBJECT
 public:
  explicit CheckpointList(QWidget* parent = nullptr);

  int count() const;
  QString pathAt(int row) const;
  // The preview shown for a checkpoint: the latest one generated at or before its step.
  QImage previewForStep(qint64 step) const;

 public slots:
  // A second checkpoint at the same step (after a resume) replaces the first.
  void addCheckpoint(qint64 step, const QString& path, double heldoutLoss);
  void addPreview(qint64 step, const QImage& grid);
  void clear();

 signals:
  void loadCheckpointRequested(const QString& path);

 private:
  int rowForStep(qint64 step) const;
  qint64 stepAt(int row) const;
  void showCheckpoint(int row);

  QTableWidget* table_;
  ScaledImageView* preview_;
  QSlider* stepSlider_;
  QLabel* stepLabel_;
  QMap<qint64, QImage> previews_;
};
