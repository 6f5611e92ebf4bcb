#include "sample_view.hpp"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include "duration_text.hpp"
#include "image_grid_view.hpp"
#include "studio_export.hpp"

namespace ncsn {
namespace {

QSpinBox* spin(int min, int max, int value) {
  auto* box = new QSpinBox;
  box->setRange(min, max);
  box->setValue(value);
  return box;
}

}  // namespace

SampleView::SampleView(QWidget* parent) : QWidget(parent) {
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(buildSettings());
  split->addWidget(buildResults());
  split->setStretchFactor(1, 1);
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(split);
  setRunning(false);
}

QWidget* SampleView::buildSettings() {
  auto* panel = new QWidget;
  auto* layout = new QVBoxLayout(panel);
  modelLabel_ = new QLabel(tr("No model loaded"));
  modelLabel_->setWordWrap(true);
  auto* modelBox = new QGroupBox(tr("Noise levels (from the model)"));
  (new QVBoxLayout(modelBox))->addWidget(modelLabel_);
  layout->addWidget(modelBox);

  auto* form = new QFormLayout;
  count_ = spin(1, 1024, 16);
  columns_ = spin(1, 64, 4);
  eps_ = new QDoubleSpinBox;
  eps_->setDecimals(7);
  eps_->setRange(1e-7, 1e-2);
  eps_->setSingleStep(1e-6);
  eps_->setValue(2e-5);
  eps_->setToolTip(tr("Reference convention: α_i = ε·σ_i²/σ_L², x ← x + α_i·s + √(2α_i)·z"));
  steps_ = spin(1, 10000, 100);
  seed_ = spin(0, std::numeric_limits<int>::max(), 0);
  denoise_ = new QCheckBox(tr("Denoise the last step (x + σ_L²·s)"));
  frameEvery_ = spin(1, 1000, 1);
  frameEvery_->setToolTip(tr("Live frames at most every N steps (and at most a few per second)"));
  form->addRow(tr("Samples"), count_);
  form->addRow(tr("Grid columns"), columns_);
  form->addRow(tr("Step size ε"), eps_);
  form->addRow(tr("Steps per level T"), steps_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(denoise_);
  form->addRow(tr("Frame every N steps"), frameEvery_);
  auto* settingsBox = new QGroupBox(tr("Annealed Langevin dynamics (start: uniform noise)"));
  settingsBox->setLayout(form);
  layout->addWidget(settingsBox);

  run_ = new QPushButton(tr("Sample"));
  run_->setToolTip(tr("Ctrl+R"));
  stopNow_ = new QPushButton(tr("Stop now"));
  stopNow_->setToolTip(tr("Stop within one Langevin step and keep the current samples (Esc)"));
  finishLevel_ = new QPushButton(tr("Finish this level"));
  finishLevel_->setToolTip(tr("Stop when the current noise level ends"));
  connect(run_, &QPushButton::clicked, this, [this] { emit sampleRequested(request()); });
  connect(stopNow_, &QPushButton::clicked, this, [this] { emit stopRequested(StopMode::Now); });
  connect(finishLevel_, &QPushButton::clicked, this, [this] { emit stopRequested(StopMode::FinishLevel); });
  layout->addWidget(run_);
  auto* stops = new QHBoxLayout;
  stops->addWidget(stopNow_);
  stops->addWidget(finishLevel_);
  layout->addLayout(stops);
  showNeighbours_ = new QCheckBox(tr("Show nearest training images (memorisation check)"));
  connect(showNeighbours_, &QCheckBox::toggled, this, &SampleView::updateNeighbourView);
  layout->addWidget(showNeighbours_);
  layout->addStretch();
  return panel;
}

QWidget* SampleView::buildResults() {
  auto* panel = new QWidget;
  auto* layout = new QVBoxLayout(panel);
  status_ = new QLabel(tr("Open a model and press Sample (Ctrl+R)."));
  layout->addWidget(status_);
  auto* grids = new QSplitter(Qt::Horizontal);
  grid_ = new ImageGridView;
  grid_->setPlaceholder(tr("The samples appear here and anneal live, level by level."));
  film_ = new ImageGridView;
  film_->setPlaceholder(tr("Filmstrip: one row per noise level (the paper's Fig. 4)."));
  neighbours_ = new ImageGridView;
  neighbours_->setPlaceholder(tr("Nearest training images by pixel L2."));
  neighbours_->hide();
  grids->addWidget(grid_);
  grids->addWidget(neighbours_);
  grids->addWidget(film_);
  grids->setStretchFactor(0, 3);
  grids->setStretchFactor(2, 1);
  layout->addWidget(grids, 1);
  timeline_ = new QSlider(Qt::Horizontal);
  timeline_->setToolTip(tr("Scrub through the stored frames of the last run"));
  connect(timeline_, &QSlider::valueChanged, this, &SampleView::showStoredFrame);
  auto* timeRow = new QHBoxLayout;
  timeRow->addWidget(new QLabel(tr("Timeline")));
  timeRow->addWidget(timeline_, 1);
  layout->addLayout(timeRow);
  connect(grid_, &ImageGridView::tileClicked, this, &SampleView::enlarge);
  return panel;
}

SampleRequest SampleView::request() const {
  SampleRequest r;
  r.count = count_->value();
  r.columns = columns_->value();
  r.stepLr = eps_->value();
  r.stepsPerLevel = steps_->value();
  r.seed = static_cast<quint64>(seed_->value());
  r.denoiseLast = denoise_->isChecked();
  r.frameEverySteps = frameEvery_->value();
  return r;
}

void SampleView::setRequest(const SampleRequest& r) {
  count_->setValue(r.count);
  columns_->setValue(r.columns);
  eps_->setValue(r.stepLr);
  steps_->setValue(r.stepsPerLevel);
  seed_->setValue(static_cast<int>(r.seed));
  denoise_->setChecked(r.denoiseLast);
  frameEvery_->setValue(r.frameEverySteps);
}

void SampleView::applySettings(const QJsonObject& s) {
  SampleRequest r = request();
  r.seed = static_cast<quint64>(s.value(QStringLiteral("seed")).toDouble(static_cast<double>(r.seed)));
  r.stepLr = s.value(QStringLiteral("eps")).toDouble(r.stepLr);
  r.stepsPerLevel = s.value(QStringLiteral("steps_per_level")).toInt(r.stepsPerLevel);
  r.denoiseLast = s.value(QStringLiteral("denoise_last")).toBool(r.denoiseLast);
  r.count = s.value(QStringLiteral("count")).toInt(r.count);
  r.columns = s.value(QStringLiteral("columns")).toInt(r.columns);
  setRequest(r);
}

void SampleView::setModel(const ModelInfo& info) {
  levels_ = info.levels;
  const QString sigmas = info.sigmas.isEmpty() ? QString()
                                               : tr("σ₁ = %1 … σ_L = %2").arg(info.sigmas.first(), 0, 'g', 4).arg(info.sigmas.last(), 0, 'g', 4);
  modelLabel_->setText(tr("L = %1 levels, %2").arg(info.levels).arg(sigmas));
  if (!running_) status_->setText(tr("Press Sample (Ctrl+R) to anneal %1×%1 images from noise.").arg(info.imageSize));
  setRunning(running_);
}

void SampleView::setRunning(bool running) {
  running_ = running;
  run_->setEnabled(!running && levels_ > 0);
  stopNow_->setEnabled(running);
  finishLevel_->setEnabled(running);
  timeline_->setEnabled(!running && frames_.size() > 1);
}

QString SampleView::describe(const FrameInfo& i) const {
  return tr("level %1/%2   σ = %3   step %4/%5   %6 steps/s   ETA %7")
      .arg(i.level + 1).arg(i.levels).arg(i.sigma, 0, 'g', 4).arg(i.step + 1).arg(i.stepsPerLevel)
      .arg(i.stepsPerSecond, 0, 'f', 1).arg(durationText(i.etaSeconds));
}

void SampleView::onJobStarted() {
  frames_.clear();
  filmRows_.clear();
  film_->setImages({}, 1);
  neighbours_->setImages({}, 1);
  settingsJson_.clear();
  status_->setText(tr("Starting…"));
  setRunning(true);
}

void SampleView::onProgress(const FrameInfo& info) { status_->setText(describe(info)); }

void SampleView::onFrame(const FrameInfo& info, const QList<QImage>& images) {
  frames_.append({info, images});
  grid_->setImages(images, columns_->value());
  status_->setText(describe(info));
  emit frameShown();
}

void SampleView::onLevelFinished(int, const QList<QImage>& firstRow) {
  filmRows_.append(firstRow);
  film_->setImages(filmRows_, static_cast<int>(firstRow.size()));
}

void SampleView::onFinished(const JobOutcome& outcome) {
  FrameInfo last = frames_.isEmpty() ? FrameInfo{} : frames_.last().info;
  last.done = outcome.stepsDone;
  frames_.append({last, outcome.images});
  grid_->setImages(outcome.images, columns_->value());
  settingsJson_ = outcome.settingsJson;
  status_->setText(outcome.completed ? tr("Done: %1 steps. Click a sample to enlarge it.").arg(outcome.stepsDone)
                                     : tr("Stopped after %1 steps; the samples shown are the state at that moment.").arg(outcome.stepsDone));
  timeline_->blockSignals(true);
  timeline_->setRange(0, static_cast<int>(frames_.size()) - 1);
  timeline_->setValue(timeline_->maximum());
  timeline_->blockSignals(false);
  setRunning(false);
  if (showNeighbours_->isChecked()) emit neighboursRequested(outcome.images);
}

void SampleView::onFailed() {
  status_->setText(tr("The job failed; see the message."));
  setRunning(false);
}

void SampleView::showStoredFrame(int index) {
  if (index < 0 || index >= frames_.size()) return;
  grid_->setImages(frames_[index].images, columns_->value());
  if (index + 1 < frames_.size()) status_->setText(tr("Frame %1/%2: ").arg(index + 1).arg(frames_.size()) + describe(frames_[index].info));
}

void SampleView::updateNeighbourView() {
  neighbours_->setVisible(showNeighbours_->isChecked());
  if (showNeighbours_->isChecked() && !grid_->images().isEmpty() && !running_) emit neighboursRequested(grid_->images());
}

void SampleView::showNeighbours(const QList<QImage>& neighbours, const QVector<double>& distances) {
  neighbours_->setImages(neighbours, columns_->value());
  double mean = 0;
  for (double d : distances) mean += d / std::max<qsizetype>(1, distances.size());
  neighbours_->setToolTip(tr("Mean pixel-L2 distance to the nearest training image: %1").arg(mean, 0, 'f', 3));
  status_->setText(tr("Nearest training images shown (mean L2 distance %1).").arg(mean, 0, 'f', 3));
}

void SampleView::enlarge(int index) {
  const QImage image = grid_->images().value(index);
  if (image.isNull()) return;
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Sample %1").arg(index + 1));
  auto* layout = new QVBoxLayout(&dialog);
  auto* view = new ImageGridView;
  view->setImages({image}, 1);
  view->setMinimumSize(320, 320);
  layout->addWidget(view);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  auto* toInpaint = buttons->addButton(tr("Send to Inpaint"), QDialogButtonBox::ActionRole);
  connect(toInpaint, &QPushButton::clicked, &dialog, [&] {
    emit sendToInpaint(image);
    dialog.accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  layout->addWidget(buttons);
  dialog.exec();
}

QImage SampleView::currentGrid() const { return grid_->composed(); }
QImage SampleView::filmstrip() const { return film_->composed(); }

void SampleView::exportGrid(const QString& path) const { writeSettingsPng(path, currentGrid(), settingsJson_); }
void SampleView::exportFilmstrip(const QString& path) const { writeSettingsPng(path, filmstrip(), settingsJson_); }

QList<QImage> SampleView::annealingFrames() const {
  QList<QImage> frames;
  for (const auto& f : frames_) frames.append(composeGrid(f.images, columns_->value()));
  return frames;
}

void SampleView::exportAnimation(const QString& path) const { writeAnimatedGif(path, annealingFrames(), 100); }

}  // namespace ncsn
