#pragma once
// The checkpoints a run has written (step, held-out loss, FD-cls once scored, file) with the
// sample preview nearest before each, and a step slider to flip between them. Double-clicking a
// row asks for that checkpoint to be loaded; "Score checkpoints" asks for all of them to be
// scored, and the one with the best sample quality (lowest FD-cls) is marked.
#include <QImage>
#include <QMap>
#include <QWidget>

class QLabel;
class QPushButton;
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
  QString bestPath() const { return bestPath_; }
  QStringList paths() const;

 public slots:
  // A second checkpoint at the same step (after a resume) replaces the first.
  void addCheckpoint(qint64 step, const QString& path, double heldoutLoss);
  void addPreview(qint64 step, const QImage& grid);
  void clear();
  void setScore(const QString& path, double fdCls, const QString& details);
  void markBest(const QString& path);
  void setScoring(bool running);

 signals:
  void loadCheckpointRequested(const QString& path);
  void scoreRequested(const QStringList& paths);

 private:
  int rowForStep(qint64 step) const;
  int rowForPath(const QString& path) const;
  qint64 stepAt(int row) const;
  void showCheckpoint(int row);

  QTableWidget* table_;
  ScaledImageView* preview_;
  QSlider* stepSlider_;
  QLabel* stepLabel_;
  QPushButton* scoreButton_;
  QString bestPath_;
  QMap<qint64, QImage> previews_;
};
