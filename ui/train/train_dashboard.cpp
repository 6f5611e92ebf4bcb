#include "train_dashboard.hpp"

#include <QAction>
#include <QDir>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>
#include <exception>

#include "checkpoint_list.hpp"
#include "duration_text.hpp"
#include "interactive_plot.hpp"
#include "save_file_dialog.hpp"
#include "scaled_image_view.hpp"
#include "training_csv.hpp"

namespace {

const char* const kSmoothingSettingsKey = "trainDashboard/smoothingWeight";
constexpr double kDefaultSmoothing = 0.6;  // TensorBoard's default
constexpr int kSliderSteps = 1000;         // slider value / 1000 = weight, so 0 … 0.999
constexpr int kFlushIntervalMs = 100;      // at most ~10 redraws a second

const QColor kLossColor(31, 119, 180);
const QColor kHeldoutColor(255, 127, 14);
const QColor kLevelColor(44, 160, 44);
const QColor kLrColor(148, 103, 189);

QCPGraph* addLineGraph(QCustomPlot* plot, const QString& name, const QColor& color, double width) {
  QCPGraph* graph = plot->addGraph();
  graph->setName(name);
  graph->setPen(QPen(color, width));
  return graph;
}

QCPGraph* addLineWithDotsGraph(QCustomPlot* plot, const QString& name, const QColor& color) {
  QCPGraph* graph = addLineGraph(plot, name, color, 1.5);
  graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 4));
  return graph;
}

void setAxisLabels(QCustomPlot* plot, const QString& x, const QString& y) {
  plot->xAxis->setLabel(x);
  plot->yAxis->setLabel(y);
}

}  // namespace

TrainDashboard::TrainDashboard(QWidget* parent)
    : QWidget(parent), history_(QSettings().value(kSmoothingSettingsKey, kDefaultSmoothing).toDouble()) {
  flushTimer_.setSingleShot(true);
  flushTimer_.setInterval(kFlushIntervalMs);
  connect(&flushTimer_, &QTimer::timeout, this, &TrainDashboard::flushPending);

  createExportActions();
  buildCharts();

  auto* charts = new QWidget(this);
  auto* chartsLayout = new QVBoxLayout(charts);
  chartsLayout->setContentsMargins(0, 0, 0, 0);
  chartsLayout->addWidget(lossPlot_, 3);
  auto* lowerCharts = new QHBoxLayout;
  lowerCharts->addWidget(levelPlot_, 1);
  lowerCharts->addWidget(lrPlot_, 1);
  chartsLayout->addLayout(lowerCharts, 2);

  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(charts);
  splitter->addWidget(buildSidePanel());
  splitter->setStretchFactor(0, 2);
  splitter->setStretchFactor(1, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(buildToolbar());
  layout->addWidget(splitter, 1);
  showThroughput({});
}

void TrainDashboard::createExportActions() {
  exportPngAction_ = new QAction(tr("Export charts as PNG…"), this);
  exportPngAction_->setShortcut(QKeySequence(tr("Ctrl+E")));
  exportCsvAction_ = new QAction(tr("Export series as CSV…"), this);
  exportCsvAction_->setShortcut(QKeySequence(tr("Ctrl+Shift+E")));
  for (QAction* action : {exportPngAction_, exportCsvAction_}) {
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);  // no clash with other pages
    addAction(action);
  }
  connect(exportPngAction_, &QAction::triggered, this, &TrainDashboard::exportChartsWithDialog);
  connect(exportCsvAction_, &QAction::triggered, this, &TrainDashboard::exportCsvWithDialog);
}

void TrainDashboard::buildCharts() {
  lossPlot_ = new InteractivePlot(tr("Training loss"), this);
  lossPlot_->setObjectName("lossPlot");
  setAxisLabels(lossPlot_, tr("iteration"), tr("DSM loss"));
  QColor faint = kLossColor;
  faint.setAlpha(70);
  rawLossGraph_ = addLineGraph(lossPlot_, tr("training (raw)"), faint, 1);
  smoothedLossGraph_ = addLineGraph(lossPlot_, tr("training (smoothed)"), kLossColor, 2);
  heldoutGraph_ = addLineWithDotsGraph(lossPlot_, tr("held-out"), kHeldoutColor);
  lossPlot_->legend->setVisible(true);
  lossPlot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  levelPlot_ = new InteractivePlot(tr("Loss per noise level"), this);
  levelPlot_->setObjectName("levelLossPlot");
  setAxisLabels(levelPlot_, tr("σ (log scale)"), tr("σ²-weighted loss, recent batches"));
  levelPlot_->xAxis->setScaleType(QCPAxis::stLogarithmic);
  levelPlot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  levelPlot_->setFitPadding(1.3, 1.2);  // keeps the end dots off the frame
  levelGraph_ = addLineWithDotsGraph(levelPlot_, tr("mean per level"), kLevelColor);

  lrPlot_ = new InteractivePlot(tr("Learning rate"), this);
  lrPlot_->setObjectName("learningRatePlot");
  setAxisLabels(lrPlot_, tr("iteration"), tr("learning rate"));
  lrGraph_ = addLineGraph(lrPlot_, tr("learning rate"), kLrColor, 2);
  lrGraph_->setLineStyle(QCPGraph::lsStepLeft);  // the rate changes in steps (rollbacks halve it)
  lrPlot_->xAxis->ticker()->setTickCount(3);      // a narrow chart: long iteration labels must not collide
}

QWidget* TrainDashboard::buildToolbar() {
  auto* bar = new QWidget(this);
  auto* layout = new QHBoxLayout(bar);
  layout->setContentsMargins(0, 0, 0, 0);
  smoothingSlider_ = new QSlider(Qt::Horizontal, bar);
  smoothingSlider_->setObjectName("smoothingSlider");
  smoothingSlider_->setRange(0, kSliderSteps - 1);
  smoothingSlider_->setValue(int(std::lround(history_.smoothingWeight() * kSliderSteps)));
  smoothingSlider_->setToolTip(tr("Exponential moving average weight, de-biased as in TensorBoard"));
  smoothingLabel_ = new QLabel(bar);
  smoothingLabel_->setText(QString::number(history_.smoothingWeight(), 'f', 3));
  connect(smoothingSlider_, &QSlider::valueChanged, this,
          [this](int value) { setSmoothingWeight(double(value) / kSliderSteps); });
  layout->addWidget(new QLabel(tr("Smoothing"), bar));
  layout->addWidget(smoothingSlider_, 1);
  layout->addWidget(smoothingLabel_);
  layout->addStretch(1);
  for (QAction* action : exportActions()) {
    auto* button = new QToolButton(bar);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    layout->addWidget(button);
  }
  return bar;
}

QWidget* TrainDashboard::buildSidePanel() {
  auto* panel = new QWidget(this);
  // Room for the checkpoint table's columns ("★ 123.45" included) without scrolling, in font
  // units (high DPI).
  panel->setMinimumWidth(panel->fontMetrics().averageCharWidth() * 40);
  auto* layout = new QVBoxLayout(panel);
  layout->setContentsMargins(0, 0, 0, 0);

  auto* throughput = new QGroupBox(tr("Progress"), panel);
  progressForm_ = new QFormLayout(throughput);
  iterationsPerSecond_ = new QLabel(throughput);
  elapsed_ = new QLabel(throughput);
  remaining_ = new QLabel(throughput);
  skippedSteps_ = new QLabel(throughput);
  iterationsPerSecond_->setObjectName("iterationsPerSecond");
  elapsed_->setObjectName("elapsed");
  remaining_->setObjectName("remaining");
  skippedSteps_->setObjectName("skippedSteps");
  skippedSteps_->setToolTip(tr("Float16 steps whose gradients overflowed: each was skipped and the loss scale halved"));
  progressForm_->addRow(tr("Speed"), iterationsPerSecond_);
  progressForm_->addRow(tr("Elapsed"), elapsed_);
  progressForm_->addRow(tr("Remaining"), remaining_);
  progressForm_->addRow(tr("Skipped steps"), skippedSteps_);
  layout->addWidget(throughput);

  auto* samples = new QGroupBox(tr("Latest samples"), panel);
  auto* samplesLayout = new QVBoxLayout(samples);
  latestPreview_ = new ScaledImageView(samples);
  latestPreview_->setPlaceholderText(tr("No samples yet"));
  latestPreview_->setMinimumHeight(latestPreview_->fontMetrics().height() * 6);  // never squeezed away
  latestPreviewCaption_ = new QLabel(samples);
  samplesLayout->addWidget(latestPreview_, 1);
  samplesLayout->addWidget(latestPreviewCaption_);
  layout->addWidget(samples, 1);

  auto* checkpoints = new QGroupBox(tr("Checkpoints"), panel);
  auto* checkpointsLayout = new QVBoxLayout(checkpoints);
  checkpointList_ = new CheckpointList(checkpoints);
  checkpointsLayout->addWidget(checkpointList_);
  layout->addWidget(checkpoints, 3);
  return panel;
}

QList<InteractivePlot*> TrainDashboard::charts() const { return {lossPlot_, levelPlot_, lrPlot_}; }

QList<QAction*> TrainDashboard::exportActions() const { return {exportPngAction_, exportCsvAction_}; }

void TrainDashboard::scheduleFlush() {
  if (!flushTimer_.isActive()) flushTimer_.start();
}

void TrainDashboard::addLossPoint(qint64 step, double loss) {
  pending_.lossSteps.append(double(step));
  pending_.losses.append(loss);
  pending_.smoothed.append(history_.addLoss(step, loss));
  scheduleFlush();
}

void TrainDashboard::addHeldoutLoss(qint64 step, double loss) {
  history_.addHeldoutLoss(step, loss);
  pending_.heldoutSteps.append(double(step));
  pending_.heldout.append(loss);
  scheduleFlush();
}

void TrainDashboard::addLevelLosses(qint64, const QVector<double>& levelLosses, const QVector<double>& sigmas) {
  if (levelLosses.size() != sigmas.size()) {
    qWarning("TrainDashboard: %d level losses for %d sigmas; ignored", int(levelLosses.size()), int(sigmas.size()));
    return;
  }
  levelWindow_.add(levelLosses);
  levelSigmas_ = sigmas;
  pending_.levelsChanged = true;
  scheduleFlush();
}

void TrainDashboard::addLearningRate(qint64 step, double lr) {
  history_.addLearningRate(step, lr);
  pending_.lrSteps.append(double(step));
  pending_.lr.append(lr);
  scheduleFlush();
}

void TrainDashboard::setThroughput(double iterationsPerSecond, double elapsedSeconds, double remainingSeconds,
                                   qint64 skippedSteps) {
  pending_.throughput = {iterationsPerSecond, elapsedSeconds, remainingSeconds, skippedSteps};
  pending_.throughputChanged = true;
  scheduleFlush();
}

void TrainDashboard::checkpointWritten(qint64 step, const QString& path, double heldoutLoss) {
  checkpointList_->addCheckpoint(step, path, heldoutLoss);
}

void TrainDashboard::addPreview(qint64 step, const QImage& grid) {
  latestPreview_->setImage(grid);
  latestPreviewCaption_->setText(tr("Step %1").arg(QLocale().toString(step)));
  checkpointList_->addPreview(step, grid);
}

void TrainDashboard::flushPending() {
  flushTimer_.stop();
  PendingPoints points = std::move(pending_);
  pending_ = {};
  if (!points.lossSteps.isEmpty() || !points.heldoutSteps.isEmpty()) {
    rawLossGraph_->addData(points.lossSteps, points.losses);
    smoothedLossGraph_->addData(points.lossSteps, points.smoothed);
    heldoutGraph_->addData(points.heldoutSteps, points.heldout);
    lossPlot_->refresh();
  }
  if (!points.lrSteps.isEmpty()) {
    lrGraph_->addData(points.lrSteps, points.lr);
    lrPlot_->refresh();
  }
  if (points.levelsChanged) drawLevelLosses();
  if (points.throughputChanged) showThroughput(points.throughput);
}

void TrainDashboard::drawLevelLosses() {
  const QVector<double> means = levelWindow_.means();
  QVector<double> sigmas, losses;
  for (int i = 0; i < means.size(); ++i) {
    if (!std::isfinite(means[i]) || !(levelSigmas_[i] > 0.0)) continue;  // log axis needs sigma > 0
    sigmas.append(levelSigmas_[i]);
    losses.append(means[i]);
  }
  levelGraph_->setData(sigmas, losses);  // sorts by sigma
  levelPlot_->refresh();
}

void TrainDashboard::showThroughput(const Throughput& t) {
  iterationsPerSecond_->setText(t.iterationsPerSecond > 0 ? tr("%1 it/s").arg(t.iterationsPerSecond, 0, 'f', 1)
                                                         : QStringLiteral("—"));
  elapsed_->setText(ncsn::durationText(t.elapsedSeconds));
  remaining_->setText(t.iterationsPerSecond > 0 ? ncsn::durationText(t.remainingSeconds) : QStringLiteral("—"));
  skippedSteps_->setText(QLocale().toString(t.skippedSteps));
  progressForm_->setRowVisible(skippedSteps_, t.skippedSteps > 0);
}

void TrainDashboard::setSmoothingWeight(double weight) {
  flushPending();  // buffered points were smoothed with the old weight
  history_.setSmoothingWeight(weight);
  smoothedLossGraph_->setData(history_.lossSteps(), history_.smoothedLosses());
  lossPlot_->refresh();
  smoothingLabel_->setText(QString::number(history_.smoothingWeight(), 'f', 3));
  const QSignalBlocker block(smoothingSlider_);
  smoothingSlider_->setValue(int(std::lround(history_.smoothingWeight() * kSliderSteps)));
  QSettings().setValue(kSmoothingSettingsKey, history_.smoothingWeight());
}

void TrainDashboard::reset() {
  flushTimer_.stop();
  pending_ = {};
  history_.clear();
  levelWindow_.clear();
  levelSigmas_.clear();
  for (QCPGraph* graph : {rawLossGraph_, smoothedLossGraph_, heldoutGraph_, levelGraph_, lrGraph_}) graph->data()->clear();
  for (InteractivePlot* chart : charts()) chart->showAllData();
  showThroughput({});
  latestPreview_->setImage(QImage());
  latestPreviewCaption_->clear();
  checkpointList_->clear();
}

QStringList TrainDashboard::chartFileNames() {
  return {QStringLiteral("training-loss.png"), QStringLiteral("loss-per-noise-level.png"),
          QStringLiteral("learning-rate.png")};
}

void TrainDashboard::saveChartsPng(const QString& folder) {
  flushPending();
  const QDir dir(folder);
  const QList<InteractivePlot*> plots = charts();
  const QStringList names = chartFileNames();
  for (int i = 0; i < plots.size(); ++i) plots[i]->savePngTo(dir.filePath(names[i]));
}

void TrainDashboard::saveSeriesCsv(const QString& path) { writeTrainingCsv(history_, path); }

bool TrainDashboard::mayReplaceChartsIn(const QString& folder) {
  const QDir dir(folder);
  QStringList present;
  for (const QString& name : chartFileNames())
    if (dir.exists(name)) present << name;
  if (present.isEmpty()) return true;
  return QMessageBox::question(this, tr("Export charts"),
                               tr("%1 already holds %2. Replace them?").arg(folder, present.join(QStringLiteral(", "))),
                               QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) == QMessageBox::Yes;
}

void TrainDashboard::exportChartsWithDialog() {
  const QString folder = ncsn::askExportFolder(this, tr("Export charts to folder"));
  if (folder.isEmpty() || !mayReplaceChartsIn(folder)) return;
  try {
    saveChartsPng(folder);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Export charts"), QString::fromStdString(e.what()));
  }
}

void TrainDashboard::exportCsvWithDialog() {
  const QString path =
      ncsn::askSaveFileName(this, tr("Export series"), QStringLiteral("training.csv"), tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  try {
    saveSeriesCsv(path);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Export series"), QString::fromStdString(e.what()));
  }
}
