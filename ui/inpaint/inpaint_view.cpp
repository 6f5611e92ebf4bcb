#include "inpaint/inpaint_view.hpp"

#include <QAction>
#include <QActionGroup>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QToolBar>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>
#include <exception>
#include <limits>

#include "inpaint/candidate_strip.hpp"
#include "inpaint/inpaint_row.hpp"
#include "inpaint/mask_editor.hpp"
#include "inpaint/mask_editor_preferences.hpp"
#include "file_export.hpp"
#include "save_file_dialog.hpp"

namespace ncsn {
namespace {

const QString kImageFilter = QObject::tr("Images (*.png *.jpg *.jpeg *.bmp *.pgm *.ppm)");

QImage withoutAlpha(const QImage& image) {
  return image.convertToFormat(image.isGrayscale() ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
}

}  // namespace

InpaintView::InpaintView(QWidget* parent)
    : QWidget(parent), editor_(new MaskEditor(this)), candidates_(new CandidateStrip(this)) {
  persistMaskEditorPreferences(editor_);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* middle = new QHBoxLayout;
  middle->addWidget(editor_, 1);
  auto* side = new QVBoxLayout;
  side->addWidget(createBrushControls());
  side->addWidget(createRunControls());
  side->addStretch(1);
  middle->addLayout(side);

  rerun_ = new QPushButton(tr("Re-run masked area with a new seed"), this);
  export_ = new QPushButton(tr("Export row…"), this);
  auto* candidateButtons = new QHBoxLayout;
  candidateButtons->addWidget(
      new QLabel(tr("Candidates (click one to see it on the canvas and keep it, click it again for the source):"), this), 1);
  candidateButtons->addWidget(rerun_);
  candidateButtons->addWidget(export_);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(createToolBar());
  layout->addLayout(middle, 1);
  layout->addLayout(candidateButtons);
  layout->addWidget(candidates_);
  layout->addWidget(status_);

  connect(rerun_, &QPushButton::clicked, this, &InpaintView::rerunWithNewSeed);
  connect(export_, &QPushButton::clicked, this, &InpaintView::exportRowFile);
  connect(candidates_, &CandidateStrip::currentRowChanged, this, &InpaintView::updateRunButtons);
  connect(candidates_, &CandidateStrip::currentRowChanged, this, &InpaintView::showSelectedOnCanvas);
  connect(editor_, &MaskEditor::errorOccurred, this, &InpaintView::showStatus);
  updateRunButtons();
}

QAction* InpaintView::makeAction(QToolBar* bar, const QString& text, const QKeySequence& shortcut) {
  auto* action = new QAction(text, this);
  if (bar) bar->addAction(action);
  action->setShortcut(shortcut);
  action->setShortcutContext(Qt::WidgetWithChildrenShortcut);  // B or [ must not fire on other pages
  if (!shortcut.isEmpty())
    action->setToolTip(QStringLiteral("%1 (%2)").arg(text, shortcut.toString(QKeySequence::NativeText)));
  QWidget::addAction(action);  // the shortcut works even when the tool bar overflows
  return action;
}

QToolBar* InpaintView::createToolBar() {
  auto* bar = new QToolBar(tr("Inpainting"), this);
  connect(makeAction(bar, tr("Open image…"), QKeySequence::Open), &QAction::triggered, this,
          &InpaintView::openImageFile);
  auto* dataset = makeAction(bar, tr("From dataset"), {});
  auto* datasetMenu = new QMenu(this);
  connect(datasetMenu->addAction(tr("Random image")), &QAction::triggered, this,
          [this] { emit requestDatasetImage(kRandomDatasetImage); });
  connect(datasetMenu->addAction(tr("Image number…")), &QAction::triggered, this, &InpaintView::chooseDatasetImage);
  dataset->setMenu(datasetMenu);
  connect(dataset, &QAction::triggered, this, [this] { emit requestDatasetImage(kRandomDatasetImage); });
  bar->addSeparator();
  addToolActions(bar);
  bar->addSeparator();
  connect(makeAction(bar, tr("Invert"), QKeySequence(Qt::SHIFT | Qt::Key_V)), &QAction::triggered, editor_,
          &MaskEditor::invertMask);
  connect(makeAction(bar, tr("Clear"), QKeySequence(Qt::SHIFT | Qt::Key_Delete)), &QAction::triggered, editor_,
          &MaskEditor::clearMask);
  addPresetMenu(bar);
  connect(makeAction(bar, tr("Feather…"), {}), &QAction::triggered, this, &InpaintView::featherEdges);
  bar->addSeparator();
  connect(makeAction(bar, tr("Load mask…"), {}), &QAction::triggered, this, &InpaintView::loadMaskFile);
  connect(makeAction(bar, tr("Save mask…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)), &QAction::triggered, this,
          &InpaintView::saveMaskFile);
  bar->addSeparator();
  undoAction_ = editor_->undoStack()->createUndoAction(this);
  redoAction_ = editor_->undoStack()->createRedoAction(this);
  for (auto [action, key] : {std::pair{undoAction_, QKeySequence::Undo}, std::pair{redoAction_, QKeySequence::Redo}}) {
    action->setShortcut(key);
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    bar->addAction(action);
    QWidget::addAction(action);
  }
  connect(makeAction(bar, tr("Fit"), QKeySequence(Qt::CTRL | Qt::Key_0)), &QAction::triggered, editor_,
          &MaskEditor::fitToView);
  return bar;
}

void InpaintView::addToolActions(QToolBar* bar) {
  auto* group = new QActionGroup(this);
  const std::pair<MaskTool, std::pair<QString, Qt::Key>> tools[] = {{MaskTool::Brush, {tr("Brush"), Qt::Key_B}},
                                                                    {MaskTool::Eraser, {tr("Eraser"), Qt::Key_E}},
                                                                    {MaskTool::Rectangle, {tr("Rectangle"), Qt::Key_R}},
                                                                    {MaskTool::Fill, {tr("Fill"), Qt::Key_F}}};
  for (const auto& [tool, label] : tools) {
    auto* action = makeAction(bar, label.first, QKeySequence(label.second));
    action->setCheckable(true);
    action->setChecked(editor_->tool() == tool);
    group->addAction(action);
    connect(action, &QAction::triggered, editor_, [this, tool = tool] { editor_->setTool(tool); });
    connect(editor_, &MaskEditor::toolChanged, action,
            [action, tool = tool](MaskTool now) { action->setChecked(now == tool); });
  }
  // Brush size keys only: the size box beside the editor is their visible counterpart.
  connect(makeAction(nullptr, tr("Smaller brush"), QKeySequence(Qt::Key_BracketLeft)), &QAction::triggered, editor_,
          [this] { editor_->setBrushSize(editor_->brushSize() - 1); });
  connect(makeAction(nullptr, tr("Larger brush"), QKeySequence(Qt::Key_BracketRight)), &QAction::triggered, editor_,
          [this] { editor_->setBrushSize(editor_->brushSize() + 1); });
}

void InpaintView::addPresetMenu(QToolBar* bar) {
  auto* menu = new QMenu(this);
  const std::pair<QString, MaskPreset> presets[] = {
      {tr("Left half"), MaskPreset::LeftHalf},         {tr("Right half"), MaskPreset::RightHalf},
      {tr("Top half"), MaskPreset::TopHalf},           {tr("Bottom half"), MaskPreset::BottomHalf},
      {tr("Centre square"), MaskPreset::CentreSquare}, {tr("Random pixels…"), MaskPreset::RandomPixels}};
  for (const auto& [label, preset] : presets)
    connect(menu->addAction(label), &QAction::triggered, this, [this, preset = preset] { applyPreset(preset); });
  auto* button = new QToolButton(bar);
  button->setText(tr("Presets"));
  button->setMenu(menu);
  button->setPopupMode(QToolButton::InstantPopup);
  bar->addWidget(button);
}

QWidget* InpaintView::createBrushControls() {
  auto* box = new QGroupBox(tr("Brush"), this);
  auto* form = new QFormLayout(box);
  brushSize_ = new QSpinBox(box);
  brushSize_->setRange(MaskEditor::kMinBrushSize, MaskEditor::kMaxBrushSize);
  brushSize_->setSuffix(tr(" px"));
  brushSize_->setToolTip(tr("Diameter in image pixels ([ and ], or Ctrl+wheel)"));
  hardness_ = new QSpinBox(box);
  hardness_->setRange(0, 100);
  hardness_->setSuffix(tr(" %"));
  hardness_->setToolTip(tr("100 %: hard edge. Lower values fade the brush edge, leaving soft mask values."));
  opacity_ = new QSlider(Qt::Horizontal, box);
  opacity_->setRange(0, 100);
  form->addRow(tr("Size"), brushSize_);
  form->addRow(tr("Hardness"), hardness_);
  form->addRow(tr("Overlay"), opacity_);

  brushSize_->setValue(editor_->brushSize());
  hardness_->setValue(qRound(editor_->brushHardness() * 100));
  opacity_->setValue(qRound(editor_->overlayOpacity() * 100));
  // Both directions: the editor clamps and ignores unchanged values, so there is no loop.
  connect(brushSize_, &QSpinBox::valueChanged, editor_, &MaskEditor::setBrushSize);
  connect(editor_, &MaskEditor::brushSizeChanged, brushSize_, &QSpinBox::setValue);
  connect(hardness_, &QSpinBox::valueChanged, editor_,
          [this](int percent) { editor_->setBrushHardness(percent / 100.0); });
  connect(editor_, &MaskEditor::brushHardnessChanged, hardness_,
          [this](double h) { hardness_->setValue(qRound(h * 100)); });
  connect(opacity_, &QSlider::valueChanged, editor_,
          [this](int percent) { editor_->setOverlayOpacity(percent / 100.0); });
  connect(editor_, &MaskEditor::overlayOpacityChanged, opacity_,
          [this](double o) { opacity_->setValue(qRound(o * 100)); });
  return box;
}

QWidget* InpaintView::createRunControls() {
  auto* box = new QGroupBox(tr("Inpainting"), this);
  auto* form = new QFormLayout(box);
  candidateCount_ = new QSpinBox(box);
  candidateCount_->setRange(1, 256);
  seed_ = new QSpinBox(box);
  seed_->setRange(0, std::numeric_limits<int>::max());
  stepLr_ = new QDoubleSpinBox(box);
  stepLr_->setDecimals(8);
  stepLr_->setRange(1e-8, 1);
  stepLr_->setSingleStep(1e-6);
  stepLr_->setToolTip(tr("Reference convention: α_i = ε·σ_i²/σ_L², then x ← x + α_i·s(x, i) + √(2α_i)·z"));
  stepsPerLevel_ = new QSpinBox(box);
  stepsPerLevel_->setRange(1, 100000);
  denoiseLast_ = new QCheckBox(tr("Denoise last step"), box);
  denoiseLast_->setToolTip(tr("Finish with x + σ_L²·s(x, L)"));
  form->addRow(tr("Candidates K"), candidateCount_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(tr("Step size ε"), stepLr_);
  form->addRow(tr("Steps per level T"), stepsPerLevel_);
  form->addRow(denoiseLast_);
  setSettings(InpaintSettings{});

  run_ = new QPushButton(tr("Run inpaint"), box);
  run_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  stop_ = new QPushButton(tr("Stop now"), box);
  finishLevel_ = new QPushButton(tr("Finish level"), box);
  finishLevel_->setToolTip(tr("Stop at the end of the current noise level"));
  form->addRow(run_);
  form->addRow(stop_);
  form->addRow(finishLevel_);
  connect(run_, &QPushButton::clicked, this, &InpaintView::requestInpaint);
  connect(stop_, &QPushButton::clicked, this, &InpaintView::stopRequested);
  connect(finishLevel_, &QPushButton::clicked, this, &InpaintView::finishLevelRequested);
  return box;
}

InpaintSettings InpaintView::settings() const {
  InpaintSettings s;
  s.candidates = candidateCount_->value();
  s.seed = static_cast<quint64>(seed_->value());
  s.stepLr = stepLr_->value();
  s.stepsPerLevel = stepsPerLevel_->value();
  s.denoiseLast = denoiseLast_->isChecked();
  return s;
}

void InpaintView::setSettings(const InpaintSettings& settings) {
  candidateCount_->setValue(settings.candidates);
  seed_->setValue(static_cast<int>(std::min<quint64>(settings.seed, std::numeric_limits<int>::max())));
  stepLr_->setValue(settings.stepLr);
  stepsPerLevel_->setValue(settings.stepsPerLevel);
  denoiseLast_->setChecked(settings.denoiseLast);
}

void InpaintView::setImage(const QImage& image) {
  original_ = source_ = withoutAlpha(image);
  candidates_->setCandidates({});
  editor_->setImage(source_);
  updateRunButtons();
}

void InpaintView::showCandidates(const QList<QImage>& candidates, const QString& status) {
  candidates_->setCandidates(candidates);  // its currentRowChanged puts the kept one on the canvas
  showStatus(status);
  updateRunButtons();
}

// A same-sized image keeps the mask and its undo history, so switching costs the user nothing.
void InpaintView::showSelectedOnCanvas() {
  if (source_.isNull()) return;
  const QImage kept = candidates_->keptCandidate();
  editor_->setImage(kept.isNull() ? source_ : withoutAlpha(kept));
}

void InpaintView::setRunning(bool running) {
  running_ = running;
  updateRunButtons();
}

void InpaintView::showStatus(const QString& message) { status_->setText(message); }

void InpaintView::requestInpaint() {
  if (editor_->image().isNull() || running_) return;
  source_ = editor_->image();
  emit inpaintRequested(source_, editor_->mask(), settings());
}

void InpaintView::rerunWithNewSeed() {
  if (candidates_->keptCandidate().isNull() || running_) return;
  seed_->setValue(seed_->value() + 1);
  requestInpaint();  // the canvas shows the kept candidate
}

QImage InpaintView::composeExportRow() const {
  return composeInpaintRow(maskedImage(editor_->image(), editor_->mask()), candidates_->candidates(), original_);
}

bool InpaintView::exportRow(const QString& path) {
  try {
    ncsn::writePngFile(composeExportRow(), path);
  } catch (const std::exception& e) {
    showStatus(QString::fromStdString(e.what()));
    return false;
  }
  showStatus(tr("Wrote %1 (masked | %2 candidates | original).").arg(path).arg(candidates_->candidates().size()));
  return true;
}

void InpaintView::updateRunButtons() {
  const bool hasImage = !editor_->image().isNull();
  run_->setEnabled(hasImage && !running_);
  stop_->setEnabled(running_);
  finishLevel_->setEnabled(running_);
  rerun_->setEnabled(!running_ && candidates_->keptIndex() >= 0);
  export_->setEnabled(hasImage && !candidates_->candidates().isEmpty());
}

void InpaintView::openImageFile() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open image"), {}, kImageFilter);
  if (path.isEmpty()) return;
  const QImage image(path);
  if (image.isNull()) return showStatus(tr("Could not read an image from %1.").arg(path));
  setImage(image);
}

void InpaintView::chooseDatasetImage() {
  bool ok = false;
  const int index = QInputDialog::getInt(this, tr("Dataset image"), tr("Image number (from 0):"), 0, 0,
                                         std::numeric_limits<int>::max(), 1, &ok);
  if (ok) emit requestDatasetImage(index);
}

void InpaintView::featherEdges() {
  bool ok = false;
  const int radius =
      QInputDialog::getInt(this, tr("Feather mask edges"), tr("Radius in image pixels:"), 2, 1, 32, 1, &ok);
  if (ok) editor_->featherEdges(radius);
}

void InpaintView::applyPreset(MaskPreset preset) {
  if (preset != MaskPreset::RandomPixels) return editor_->applyPreset(preset);
  bool ok = false;
  const double fraction =
      QInputDialog::getDouble(this, tr("Random pixels"), tr("Fraction of pixels to regenerate:"), 0.5, 0, 1, 2, &ok);
  if (ok) editor_->applyPreset(preset, fraction, settings().seed);  // the seed box makes it reproducible
}

void InpaintView::loadMaskFile() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Load mask"), {}, kImageFilter);
  if (!path.isEmpty() && editor_->loadMask(path)) showStatus(tr("Loaded mask %1.").arg(path));
}

void InpaintView::saveMaskFile() {
  const QString path =
      askSaveFileName(this, tr("Save mask"), QStringLiteral("mask.png"), tr("PNG (*.png)"));
  if (!path.isEmpty() && editor_->saveMask(path)) showStatus(tr("Saved mask %1.").arg(path));
}

void InpaintView::exportRowFile() {
  const QString path =
      askSaveFileName(this, tr("Export inpainting row"), QStringLiteral("inpainting.png"), tr("PNG (*.png)"));
  if (!path.isEmpty()) exportRow(path);
}

}  // namespace ncsn
