#include "train_settings_form.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <limits>

namespace {

QSpinBox* makeSpinBox(QWidget* parent, const char* name, int min, int max, int step) {
  auto* box = new QSpinBox(parent);
  box->setObjectName(name);
  box->setRange(min, max);
  box->setSingleStep(step);
  box->setGroupSeparatorShown(true);
  return box;
}

QDoubleSpinBox* makeDoubleSpinBox(QWidget* parent, const char* name, double min, double max, int decimals,
                                  double step) {
  auto* box = new QDoubleSpinBox(parent);
  box->setObjectName(name);
  box->setDecimals(decimals);
  box->setRange(min, max);
  box->setSingleStep(step);
  return box;
}

}  // namespace

TrainSettingsForm::TrainSettingsForm(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(buildModelGroup());
  layout->addWidget(buildOptimisationGroup());
  layout->addWidget(buildCheckpointGroup());
  validation_ = new QLabel(this);
  validation_->setObjectName("validationMessage");
  validation_->setWordWrap(true);
  validation_->setStyleSheet("color: #c0392b");
  layout->addWidget(validation_);
  layout->addWidget(buildRunButtons());
  layout->addStretch(1);

  setSettings(TrainSettings{});
  setRunState(RunState::Idle);
  for (auto* box : findChildren<QAbstractSpinBox*>())
    connect(box, &QAbstractSpinBox::editingFinished, this, &TrainSettingsForm::updateValidity);
  connect(sigmaBegin_, &QDoubleSpinBox::valueChanged, this, &TrainSettingsForm::updateValidity);
  connect(sigmaEnd_, &QDoubleSpinBox::valueChanged, this, &TrainSettingsForm::updateValidity);
  connect(checkpointFolder_, &QLineEdit::textChanged, this, &TrainSettingsForm::updateValidity);
  connect(emaEnabled_, &QCheckBox::toggled, emaRate_, &QWidget::setEnabled);
}

QWidget* TrainSettingsForm::buildModelGroup() {
  auto* group = new QGroupBox(tr("Data and model"), this);
  auto* form = new QFormLayout(group);
  dataset_ = new QLineEdit(group);
  dataset_->setObjectName("datasetPath");
  dataset_->setReadOnly(true);
  dataset_->setPlaceholderText(tr("Fashion-MNIST (built in)"));
  auto* chooseDataset = new QPushButton(tr("Choose…"), group);
  connect(chooseDataset, &QPushButton::clicked, this, &TrainSettingsForm::datasetChooserRequested);
  auto* datasetRow = new QHBoxLayout;
  datasetRow->addWidget(dataset_, 1);
  datasetRow->addWidget(chooseDataset);
  form->addRow(tr("Dataset"), datasetRow);

  initialModel_ = new QLineEdit(group);
  initialModel_->setObjectName("initialModel");
  initialModel_->setReadOnly(true);
  initialModel_->setPlaceholderText(tr("Random weights"));
  initialModel_->setToolTip(tr("Start from a trained model (fine-tuning): its weights, width, noise levels and step. "
                               "Once the checkpoint folder has checkpoints, Start resumes from them instead."));
  auto* chooseModel = new QPushButton(tr("Choose…"), group);
  auto* clearModel = new QPushButton(tr("Clear"), group);
  connect(chooseModel, &QPushButton::clicked, this, &TrainSettingsForm::chooseInitialModel);
  connect(clearModel, &QPushButton::clicked, this, [this] { setInitialModel({}); });
  auto* modelRow = new QHBoxLayout;
  modelRow->addWidget(initialModel_, 1);
  modelRow->addWidget(chooseModel);
  modelRow->addWidget(clearModel);
  form->addRow(tr("Start from"), modelRow);

  ngf_ = makeSpinBox(group, "ngf", 8, 512, 8);
  numLevels_ = makeSpinBox(group, "numLevels", 1, 1000, 1);
  sigmaBegin_ = makeDoubleSpinBox(group, "sigmaBegin", 1e-4, 1000.0, 4, 0.1);
  sigmaEnd_ = makeDoubleSpinBox(group, "sigmaEnd", 1e-4, 1000.0, 4, 0.001);
  form->addRow(tr("Width (ngf)"), ngf_);
  form->addRow(tr("Noise levels (L)"), numLevels_);
  form->addRow(tr("Largest σ (σ₁)"), sigmaBegin_);
  form->addRow(tr("Smallest σ (σ_L)"), sigmaEnd_);
  return group;
}

QWidget* TrainSettingsForm::buildOptimisationGroup() {
  auto* group = new QGroupBox(tr("Optimisation"), this);
  auto* form = new QFormLayout(group);
  batchSize_ = makeSpinBox(group, "batchSize", 1, 65536, 16);
  accumulateParts_ = makeSpinBox(group, "accumulateParts", 1, 65536, 1);
  accumulateParts_->setToolTip(tr("Process each batch in this many parts and sum their gradients: the same step in "
                                  "less memory. Raise it when the GPU runs out of memory."));
  mixedPrecision_ = new QComboBox(group);
  mixedPrecision_->setObjectName("mixedPrecision");
  mixedPrecision_->addItem(tr("Off (float32)"), QStringLiteral("off"));
  mixedPrecision_->addItem(tr("bfloat16"), QStringLiteral("bf16"));
  mixedPrecision_->addItem(tr("float16 (CUDA)"), QStringLiteral("fp16"));
  mixedPrecision_->setToolTip(tr("Run the network's forward pass in 16-bit floats; the weights, the loss and "
                                 "sampling stay float32. float16 scales the loss to keep small gradients."));
  learningRate_ = makeDoubleSpinBox(group, "learningRate", 1e-6, 1.0, 6, 1e-4);
  iterations_ = makeSpinBox(group, "iterations", 1, std::numeric_limits<int>::max(), 1000);
  emaEnabled_ = new QCheckBox(tr("Keep an EMA of the weights"), group);
  emaEnabled_->setObjectName("emaEnabled");
  emaRate_ = makeDoubleSpinBox(group, "emaRate", 0.9, 0.99999, 5, 0.0001);
  seed_ = makeSpinBox(group, "seed", 0, std::numeric_limits<int>::max(), 1);
  seed_->setGroupSeparatorShown(false);
  form->addRow(tr("Batch size"), batchSize_);
  form->addRow(tr("Gradient parts"), accumulateParts_);
  form->addRow(tr("Mixed precision"), mixedPrecision_);
  form->addRow(tr("Learning rate"), learningRate_);
  form->addRow(tr("Iterations"), iterations_);
  form->addRow(emaEnabled_);
  form->addRow(tr("EMA rate"), emaRate_);
  form->addRow(tr("Seed"), seed_);
  return group;
}

QWidget* TrainSettingsForm::buildCheckpointGroup() {
  auto* group = new QGroupBox(tr("Checkpoints"), this);
  auto* form = new QFormLayout(group);
  checkpointInterval_ = makeSpinBox(group, "checkpointInterval", 1, std::numeric_limits<int>::max(), 1000);
  checkpointFolder_ = new QLineEdit(group);
  checkpointFolder_->setObjectName("checkpointFolder");
  auto* browse = new QPushButton(tr("Browse…"), group);
  connect(browse, &QPushButton::clicked, this, &TrainSettingsForm::chooseCheckpointFolder);
  auto* folderRow = new QHBoxLayout;
  folderRow->addWidget(checkpointFolder_, 1);
  folderRow->addWidget(browse);
  rollbackOnNan_ = new QCheckBox(tr("On NaN/Inf, roll back to the last checkpoint at half the rate"), group);
  rollbackOnNan_->setObjectName("rollbackOnNan");
  continueOnWriteError_ = new QCheckBox(tr("If a checkpoint cannot be written, keep training and retry"), group);
  continueOnWriteError_->setObjectName("continueOnWriteError");
  form->addRow(tr("Every (iterations)"), checkpointInterval_);
  form->addRow(tr("Folder"), folderRow);
  form->addRow(rollbackOnNan_);
  form->addRow(continueOnWriteError_);
  return group;
}

QWidget* TrainSettingsForm::buildRunButtons() {
  auto* buttons = new QWidget(this);
  auto* grid = new QGridLayout(buttons);
  grid->setContentsMargins(0, 0, 0, 0);
  start_ = new QPushButton(tr("Start"), buttons);
  pause_ = new QPushButton(tr("Pause"), buttons);
  resume_ = new QPushButton(tr("Resume"), buttons);
  stop_ = new QPushButton(tr("Stop"), buttons);
  resumeFromCheckpoint_ = new QPushButton(tr("Resume from checkpoint…"), buttons);
  start_->setObjectName("startButton");
  pause_->setObjectName("pauseButton");
  resume_->setObjectName("resumeButton");
  stop_->setObjectName("stopButton");
  resumeFromCheckpoint_->setObjectName("resumeFromCheckpointButton");
  stop_->setToolTip(tr("Stop training; a checkpoint is written first"));
  grid->addWidget(start_, 0, 0);
  grid->addWidget(pause_, 0, 1);
  grid->addWidget(resume_, 0, 2);
  grid->addWidget(stop_, 0, 3);
  grid->addWidget(resumeFromCheckpoint_, 1, 0, 1, 4);
  connect(start_, &QPushButton::clicked, this, &TrainSettingsForm::requestStart);
  connect(pause_, &QPushButton::clicked, this, &TrainSettingsForm::pauseRequested);
  connect(resume_, &QPushButton::clicked, this, &TrainSettingsForm::resumeRequested);
  connect(stop_, &QPushButton::clicked, this, &TrainSettingsForm::stopRequested);
  connect(resumeFromCheckpoint_, &QPushButton::clicked, this, &TrainSettingsForm::chooseCheckpointToResume);
  return buttons;
}

TrainSettings TrainSettingsForm::settings() const {
  TrainSettings s;
  s.datasetPath = dataset_->text();
  s.initialModel = initialModel_->text();
  s.ngf = ngf_->value();
  s.numLevels = numLevels_->value();
  s.sigmaBegin = sigmaBegin_->value();
  s.sigmaEnd = sigmaEnd_->value();
  s.batchSize = batchSize_->value();
  s.accumulateParts = accumulateParts_->value();
  s.mixedPrecision = mixedPrecision_->currentData().toString();
  s.learningRate = learningRate_->value();
  s.iterations = iterations_->value();
  s.checkpointInterval = checkpointInterval_->value();
  s.checkpointFolder = checkpointFolder_->text().trimmed();
  s.emaEnabled = emaEnabled_->isChecked();
  s.emaRate = emaRate_->value();
  s.seed = quint64(seed_->value());
  s.rollbackOnNan = rollbackOnNan_->isChecked();
  s.continueOnWriteError = continueOnWriteError_->isChecked();
  return s;
}

void TrainSettingsForm::setSettings(const TrainSettings& s) {
  dataset_->setText(s.datasetPath);
  setInitialModel(s.initialModel);
  ngf_->setValue(s.ngf);
  numLevels_->setValue(s.numLevels);
  sigmaBegin_->setValue(s.sigmaBegin);
  sigmaEnd_->setValue(s.sigmaEnd);
  batchSize_->setValue(s.batchSize);
  accumulateParts_->setValue(s.accumulateParts);
  mixedPrecision_->setCurrentIndex(qMax(0, mixedPrecision_->findData(s.mixedPrecision)));
  learningRate_->setValue(s.learningRate);
  iterations_->setValue(int(qMin<qint64>(s.iterations, iterations_->maximum())));
  checkpointInterval_->setValue(int(qMin<qint64>(s.checkpointInterval, checkpointInterval_->maximum())));
  checkpointFolder_->setText(s.checkpointFolder);
  emaEnabled_->setChecked(s.emaEnabled);
  emaRate_->setValue(s.emaRate);
  emaRate_->setEnabled(s.emaEnabled);
  seed_->setValue(int(qMin<quint64>(s.seed, quint64(seed_->maximum()))));
  rollbackOnNan_->setChecked(s.rollbackOnNan);
  continueOnWriteError_->setChecked(s.continueOnWriteError);
  updateValidity();
}

void TrainSettingsForm::setRunState(RunState state) {
  runState_ = state;
  const bool idle = state == RunState::Idle;
  for (auto* group : findChildren<QGroupBox*>()) group->setEnabled(idle);  // a run's settings are fixed
  start_->setEnabled(idle && settings().validationError().isEmpty());
  resumeFromCheckpoint_->setEnabled(idle);
  pause_->setEnabled(state == RunState::Running);
  resume_->setEnabled(state == RunState::Paused);
  stop_->setEnabled(!idle);
}

void TrainSettingsForm::setDatasetPath(const QString& path) { dataset_->setText(path); }

void TrainSettingsForm::chooseCheckpointFolder() {
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Checkpoint folder"), checkpointFolder_->text());
  if (!folder.isEmpty()) checkpointFolder_->setText(folder);
}

void TrainSettingsForm::chooseInitialModel() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Start from model"), initialModel_->text(),
                                                    tr("NCSN models (*.ncsn *.pth);;All files (*)"));
  if (!path.isEmpty()) setInitialModel(path);
}

// The model fixes the architecture, so its fields are shown as not in use.
void TrainSettingsForm::setInitialModel(const QString& path) {
  initialModel_->setText(path);
  const QString why = path.isEmpty() ? QString() : tr("Taken from the model the run starts from");
  for (QWidget* field : {static_cast<QWidget*>(ngf_), static_cast<QWidget*>(numLevels_),
                         static_cast<QWidget*>(sigmaBegin_), static_cast<QWidget*>(sigmaEnd_)}) {
    field->setEnabled(path.isEmpty());
    field->setToolTip(why);
  }
}

void TrainSettingsForm::chooseCheckpointToResume() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Resume from checkpoint"), checkpointFolder_->text(),
                                                    tr("NCSN checkpoints (*.ncsn *.pth);;All files (*)"));
  if (!path.isEmpty()) emit resumeFromCheckpointRequested(path);
}

void TrainSettingsForm::requestStart() {
  const TrainSettings s = settings();
  if (s.validationError().isEmpty()) emit startRequested(s);
}

void TrainSettingsForm::updateValidity() {
  const QString error = settings().validationError();
  validation_->setText(error);
  validation_->setVisible(!error.isEmpty());
  start_->setEnabled(runState_ == RunState::Idle && error.isEmpty());
}
