#pragma once
// Live view of a training run: training and held-out loss (raw and TensorBoard-smoothed),
// loss per noise level, learning rate, throughput, sample previews and checkpoints.
// Incoming points are buffered and drawn at most ~10 times a second, so a fast trainer
// reporting every iteration cannot flood the UI thread.
#include <QImage>
#include <QTimer>
#include <QVector>
#include <QWidget>

#include "level_loss_window.hpp"
#include "training_history.hpp"

class CheckpointList;
class InteractivePlot;
class QAction;
class QCPGraph;
class QFormLayout;
class QLabel;
class QSlider;
class ScaledImageView;

class TrainDashboard : public QWidget {
  Q_OBJECT
 public:
  explicit TrainDashboard(QWidget* parent = nullptr);

  const TrainingHistory& history() const { return history_; }
  CheckpointList* checkpointList() const { return checkpointList_; }
  QList<InteractivePlot*> charts() const;
  // "Export charts as PNG…" and "Export series as CSV…", for the main window's menus.
  QList<QAction*> exportActions() const;

  double smoothingWeight() const { return history_.smoothingWeight(); }
  // The files saveChartsPng writes, in the order of charts().
  static QStringList chartFileNames();
  // Writes one PNG per chart into `folder`. Both throw std::runtime_error saying why a file
  // could not be written.
  void saveChartsPng(const QString& folder);
  // Columns step,loss,smoothed,heldout,lr; one row per reported step.
  void saveSeriesCsv(const QString& path);

 public slots:
  void addLossPoint(qint64 step, double loss);
  void addHeldoutLoss(qint64 step, double loss);
  // Per-level batch mean losses (NaN where a batch had no example at that level), already
  // weighted by lambda(sigma) = sigma^2 so the levels are comparable, and the levels' sigmas.
  void addLevelLosses(qint64 step, const QVector<double>& levelLosses, const QVector<double>& sigmas);
  void addLearningRate(qint64 step, double lr);
  // skippedSteps: fp16 steps skipped for overflowing gradients; the row shows only when there are any.
  void setThroughput(double iterationsPerSecond, double elapsedSeconds, double remainingSeconds, qint64 skippedSteps = 0);
  void checkpointWritten(qint64 step, const QString& path, double heldoutLoss);
  void addPreview(qint64 step, const QImage& grid);
  void setSmoothingWeight(double weight);
  void reset();
  // Draws everything buffered now instead of at the next tick.
  void flushPending();

 private:
  struct Throughput {
    double iterationsPerSecond = 0, elapsedSeconds = 0, remainingSeconds = 0;
    qint64 skippedSteps = 0;
  };
  struct PendingPoints {
    QVector<double> lossSteps, losses, smoothed, heldoutSteps, heldout, lrSteps, lr;
    bool levelsChanged = false;
    bool throughputChanged = false;
    Throughput throughput;
  };

  QWidget* buildToolbar();
  QWidget* buildSidePanel();
  void buildCharts();
  void createExportActions();
  void scheduleFlush();
  void drawLevelLosses();
  void showThroughput(const Throughput& t);
  // Asks before overwriting charts a previous export left in folder.
  bool mayReplaceChartsIn(const QString& folder);
  void exportChartsWithDialog();
  void exportCsvWithDialog();

  TrainingHistory history_;
  LevelLossWindow levelWindow_;
  QVector<double> levelSigmas_;
  PendingPoints pending_;
  QTimer flushTimer_;

  InteractivePlot* lossPlot_;
  InteractivePlot* levelPlot_;
  InteractivePlot* lrPlot_;
  QCPGraph* rawLossGraph_;
  QCPGraph* smoothedLossGraph_;
  QCPGraph* heldoutGraph_;
  QCPGraph* levelGraph_;
  QCPGraph* lrGraph_;
  QSlider* smoothingSlider_;
  QLabel* smoothingLabel_;
  QLabel* iterationsPerSecond_;
  QLabel* elapsed_;
  QLabel* remaining_;
  QLabel* skippedSteps_;
  QFormLayout* progressForm_;
  ScaledImageView* latestPreview_;
  QLabel* latestPreviewCaption_;
  CheckpointList* checkpointList_;
  QAction* exportPngAction_;
  QAction* exportCsvAction_;
};
