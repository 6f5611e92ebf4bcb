#include "main_window.hpp"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QUrl>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>
#include <utility>

#include "duration_text.hpp"
#include "engine_worker.hpp"
#include "inpaint/inpaint_view.hpp"
#include "sample_view.hpp"
#include "save_file_dialog.hpp"
#include "studio_export.hpp"
#include "toy_view.hpp"
#include "train_dashboard.hpp"
#include "checkpoint_list.hpp"
#include "train_settings_form.hpp"

namespace ncsn {
namespace {

// QSettings persistence of the Sample and Inpaint pages' controls, in the current group.
void persistSampleRequest(QSettings& store, SettingsDirection d, SampleRequest& r) {
  persistField(store, d, QStringLiteral("count"), r.count);
  persistField(store, d, QStringLiteral("columns"), r.columns);
  persistField(store, d, QStringLiteral("eps"), r.stepLr);
  persistField(store, d, QStringLiteral("stepsPerLevel"), r.stepsPerLevel);
  persistField(store, d, QStringLiteral("seed"), r.seed);
  persistField(store, d, QStringLiteral("denoiseLast"), r.denoiseLast);
  persistField(store, d, QStringLiteral("frameEvery"), r.frameEverySteps);
}

void persistInpaintSettings(QSettings& store, SettingsDirection d, InpaintSettings& s) {
  persistField(store, d, QStringLiteral("candidates"), s.candidates);
  persistField(store, d, QStringLiteral("seed"), s.seed);
  persistField(store, d, QStringLiteral("eps"), s.stepLr);
  persistField(store, d, QStringLiteral("stepsPerLevel"), s.stepsPerLevel);
  persistField(store, d, QStringLiteral("denoiseLast"), s.denoiseLast);
}

// The pages' settings, one group each. The dataset is not kept: it follows the dataset box.
void persistPages(QSettings& store, SettingsDirection d, SampleRequest& sample, InpaintSettings& inpaint, TrainSettings& train) {
  store.beginGroup(QStringLiteral("sample"));
  persistSampleRequest(store, d, sample);
  store.endGroup();
  store.beginGroup(QStringLiteral("inpaint"));
  persistInpaintSettings(store, d, inpaint);
  store.endGroup();
  store.beginGroup(QStringLiteral("train"));
  persistTrainSettings(store, d, train);
  store.endGroup();
}

constexpr int kMaxRecent = 8;

bool isCheckpoint(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  return suffix == QLatin1String("ncsn") || suffix == QLatin1String("pth") || suffix == QLatin1String("pt");
}

QString residentMemory() {
  QFile status(QStringLiteral("/proc/self/status"));
  if (!status.open(QIODevice::ReadOnly)) return {};
  for (const QByteArray& line : status.readAll().split('\n'))
    if (line.startsWith("VmRSS:")) return QString::number(line.mid(6).trimmed().split(' ').first().toLongLong() / 1024) + QStringLiteral(" MiB");
  return {};
}

QVector<double> geometricSigmas(double first, double last, int levels) {
  QVector<double> sigmas;
  for (int i = 0; i < levels; ++i) sigmas.append(first * std::pow(last / first, levels > 1 ? double(i) / (levels - 1) : 0.0));
  return sigmas;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("NCSN Studio"));
  setAcceptDrops(true);
  worker_ = new EngineWorker;
  worker_->moveToThread(&engineThread_);
  connect(&engineThread_, &QThread::finished, worker_, &QObject::deleteLater);
  engineThread_.setObjectName(QStringLiteral("ncsn-engine"));
  engineThread_.start();

  buildPages();
  buildActions();
  buildModelBar();
  buildStatusBar();
  connectWorker();
  restoreSettings();
}

MainWindow::~MainWindow() {
  // Closing mid-job: stop the job within one step, then let the thread finish cleanly.
  worker_->requestStop(StopMode::Now);
  worker_->resume();
  engineThread_.quit();
  engineThread_.wait();
}

void MainWindow::buildPages() {
  pages_ = new QTabWidget;
  pages_->setDocumentMode(true);
  sample_ = new SampleView;
  inpaint_ = new InpaintView;
  auto* trainPage = new QWidget;
  auto* trainLayout = new QHBoxLayout(trainPage);
  trainForm_ = new TrainSettingsForm;
  dashboard_ = new TrainDashboard;
  trainLayout->addWidget(trainForm_);
  trainLayout->addWidget(dashboard_, 1);
  toy_ = new ToyView;
  pages_->addTab(sample_, tr("Sample"));
  pages_->addTab(inpaint_, tr("Inpaint"));
  pages_->addTab(trainPage, tr("Train"));
  pages_->addTab(toy_, tr("Toy 2-D"));
  setCentralWidget(pages_);
}

void MainWindow::showPage(Page page) { pages_->setCurrentIndex(page); }

void MainWindow::buildActions() {
  auto* file = menuBar()->addMenu(tr("&File"));
  openAction_ = file->addAction(tr("&Open checkpoint…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open checkpoint"), QString(),
                                                      tr("Checkpoints (*.ncsn *.pth *.pt);;All files (*)"));
    if (!path.isEmpty()) openCheckpoint(path);
  });
  openAction_->setShortcut(QKeySequence::Open);
  recentMenu_ = file->addMenu(tr("Open &recent"));
  auto* shipped = file->addMenu(tr("Open &shipped model"));
  shipped->setObjectName(QStringLiteral("shippedModelsMenu"));
  const std::pair<QString, EngineWorker::ShippedModel> models[] = {
      {tr("Fashion-MNIST, small (fast on CPUs)"), EngineWorker::ShippedModel::Small},
      {tr("Fashion-MNIST, ngf 64 (reference size)"), EngineWorker::ShippedModel::ReferenceSize}};
  for (const auto& [label, model] : models)
    if (const QString path = EngineWorker::shippedModelPath(model); !path.isEmpty())
      shipped->addAction(label, this, [this, path] { openCheckpoint(path); })->setToolTip(path);
  shipped->setEnabled(!shipped->isEmpty());
  file->addSeparator();
  auto* exportGrid = file->addAction(tr("&Export sample grid…"), this, [this] {
    exportWith(tr("Export sample grid"), QStringLiteral("samples.png"), tr("PNG image (*.png)"), &SampleView::exportGrid);
  });
  exportGrid->setShortcut(QKeySequence(tr("Ctrl+E")));
  file->addAction(tr("Export &filmstrip…"), this, [this] {
    exportWith(tr("Export filmstrip"), QStringLiteral("filmstrip.png"), tr("PNG image (*.png)"), &SampleView::exportFilmstrip);
  })->setShortcut(QKeySequence(tr("Ctrl+Shift+F")));
  file->addAction(tr("Export annealing as &GIF…"), this, [this] {
    exportWith(tr("Export annealing"), QStringLiteral("annealing.gif"), tr("Animated GIF (*.gif)"), &SampleView::exportAnimation);
  })->setShortcut(QKeySequence(tr("Ctrl+Shift+G")));
  file->addAction(tr("Export annealing as &video…"), this, [this] {
    const QString path = askSaveFileName(this, tr("Export annealing"), QStringLiteral("annealing.mp4"), tr("H.264 video (*.mp4)"));
    if (!path.isEmpty()) exportVideo(path);
  })->setShortcut(QKeySequence(tr("Ctrl+Shift+V")));
  file->addSeparator();
  file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

  auto* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addAction(inpaint_->undoAction());
  edit->addAction(inpaint_->redoAction());

  auto* run = menuBar()->addMenu(tr("&Run"));
  run->addAction(tr("&Sample"), this, &MainWindow::startSampling)->setShortcut(QKeySequence(tr("Ctrl+R")));
  run->addAction(tr("S&top now"), this, &MainWindow::stopJob)->setShortcut(QKeySequence(Qt::Key_Escape));
  run->addAction(tr("&Finish this level"), this, [this] { worker_->requestStop(StopMode::FinishLevel); })
      ->setShortcut(QKeySequence(tr("Shift+Esc")));

  auto* view = menuBar()->addMenu(tr("&View"));
  const QStringList names = {tr("&Sample"), tr("&Inpaint"), tr("&Train"), tr("T&oy 2-D")};
  for (int i = 0; i < names.size(); ++i)
    view->addAction(names[i], this, [this, i] { showPage(static_cast<Page>(i)); })
        ->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)));
  view->addSeparator();
  for (QAction* action : dashboard_->exportActions()) view->addAction(action);
}

void MainWindow::buildModelBar() {
  auto* bar = addToolBar(tr("Model"));
  bar->setObjectName(QStringLiteral("modelBar"));
  bar->setMovable(false);
  bar->addAction(openAction_);
  modelLabel_ = new QLabel(tr("No model: open a checkpoint (Ctrl+O), import a reference .pth, or train one."));
  modelLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  bar->addWidget(modelLabel_);
  auto* spacer = new QWidget;
  spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
  bar->addWidget(spacer);
  bar->addWidget(new QLabel(tr("Dataset ")));
  datasetBox_ = new QComboBox;
  datasetBox_->addItems({tr("Fashion-MNIST (built in)"), tr("MNIST folder…"), tr("CIFAR-10 folder…"), tr("Image folder…")});
  connect(datasetBox_, &QComboBox::activated, this, &MainWindow::chooseDataset);
  bar->addWidget(datasetBox_);
  bar->addWidget(new QLabel(tr("  Device ")));
  deviceBox_ = new QComboBox;
  deviceBox_->addItem(tr("CPU"), QStringLiteral("cpu"));
  if (EngineWorker::cudaAvailable()) deviceBox_->addItem(tr("CUDA"), QStringLiteral("cuda"));
  connect(deviceBox_, &QComboBox::activated, this, [this](int i) {
    QMetaObject::invokeMethod(worker_, "setDevice", Qt::QueuedConnection, Q_ARG(QString, deviceBox_->itemData(i).toString()));
  });
  bar->addWidget(deviceBox_);
}

void MainWindow::buildStatusBar() {
  deviceLabel_ = new QLabel;
  memoryLabel_ = new QLabel;
  etaLabel_ = new QLabel;
  progress_ = new QProgressBar;
  progress_->setMaximumWidth(240);
  progress_->setTextVisible(true);
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setToolTip(tr("Stop the running job within one step (Esc)"));
  connect(cancel_, &QPushButton::clicked, this, &MainWindow::stopJob);
  statusBar()->addWidget(deviceLabel_);
  statusBar()->addWidget(memoryLabel_);
  statusBar()->addPermanentWidget(etaLabel_);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancel_);
  auto* memoryTimer = new QTimer(this);
  connect(memoryTimer, &QTimer::timeout, this, &MainWindow::updateMemory);
  memoryTimer->start(2000);
  updateMemory();
  setJob({});
}

void MainWindow::connectWorker() {
  auto* w = worker_;
  connect(w, &EngineWorker::deviceChanged, this, [this](const QString& d) { deviceLabel_->setText(tr("Device: %1").arg(d)); });
  connect(w, &EngineWorker::modelLoaded, this, [this](const ModelInfo& info) {
    model_ = info;
    modelLabel_->setText(tr("%1 — %2, step %3 (%4)").arg(QFileInfo(info.path).fileName(), info.description).arg(info.step).arg(info.origin));
    modelLabel_->setToolTip(info.path);
    sample_->setModel(info);
    rememberRecent(info.path);
    emit modelReady(info);
  });
  connect(w, &EngineWorker::jobStarted, this, &MainWindow::setJob);
  connect(w, &EngineWorker::progress, this, [this](const FrameInfo& i) {
    if (currentJob_ == QLatin1String("sample")) sample_->onProgress(i);
    showProgress(i.done, i.total, i.etaSeconds);
  });
  connect(w, &EngineWorker::frameReady, this, [this](const FrameInfo& info, const QList<QImage>& images) {
    if (currentJob_ == QLatin1String("inpaint"))
      inpaint_->showCandidates(images, tr("level %1/%2, σ = %3").arg(info.level + 1).arg(info.levels).arg(info.sigma, 0, 'g', 3));
    else
      sample_->onFrame(info, images);
    showProgress(info.done, info.total, info.etaSeconds);
    worker_->frameConsumed();
  });
  connect(w, &EngineWorker::levelFinished, this, [this](int level, const QList<QImage>& row) {
    if (currentJob_ == QLatin1String("sample")) sample_->onLevelFinished(level, row);
  });
  connect(w, &EngineWorker::jobFinished, this, [this](const JobOutcome& outcome) {
    if (outcome.kind == QLatin1String("inpaint")) {
      inpaint_->showCandidates(outcome.images, outcome.completed ? tr("Done: pick the candidate to keep.") : tr("Stopped early."));
      inpaint_->setRunning(false);
    } else if (outcome.kind == QLatin1String("score")) {
      dashboard_->checkpointList()->setScoring(false);
    } else {
      sample_->onFinished(outcome);
    }
    setJob({});
  });
  connect(w, &EngineWorker::failed, this, [this](const QString& message) {
    sample_->onFailed();
    inpaint_->setRunning(false);
    dashboard_->checkpointList()->setScoring(false);
    trainForm_->setRunState(TrainSettingsForm::RunState::Idle);
    toy_->trainingFinished();
    setJob({});
    showError(message);
  });
  connect(w, &EngineWorker::message, this, [this](const QString& text) { statusBar()->showMessage(text, 8000); });

  // Sample page
  connect(sample_, &SampleView::sampleRequested, w, &EngineWorker::sample);
  connect(sample_, &SampleView::stopRequested, this, [this](StopMode mode) { worker_->requestStop(mode); });
  connect(sample_, &SampleView::neighboursRequested, w, &EngineWorker::nearestNeighbours);
  connect(w, &EngineWorker::neighboursReady, sample_, &SampleView::showNeighbours);
  connect(sample_, &SampleView::sendToInpaint, this, [this](const QImage& image) {
    inpaint_->setImage(image);
    showPage(InpaintPage);
  });

  // Inpaint page
  connect(inpaint_, &InpaintView::inpaintRequested, w, &EngineWorker::inpaint);
  connect(inpaint_, &InpaintView::stopRequested, this, [this] { worker_->requestStop(StopMode::Now); });
  connect(inpaint_, &InpaintView::finishLevelRequested, this, [this] { worker_->requestStop(StopMode::FinishLevel); });
  connect(inpaint_, &InpaintView::requestDatasetImage, w, &EngineWorker::datasetImage);
  connect(w, &EngineWorker::datasetImageReady, this, [this](const QImage& image, const QString& caption) {
    inpaint_->setImage(image);
    inpaint_->showStatus(caption);
  });
  connect(w, &EngineWorker::jobStarted, this, [this](const QString& kind) {
    if (kind == QLatin1String("sample")) sample_->onJobStarted();
    if (kind == QLatin1String("inpaint")) inpaint_->setRunning(true);
  });

  // Train page
  connect(trainForm_, &TrainSettingsForm::startRequested, this, [this](const TrainSettings& s) {
    dashboard_->reset();
    trainSigmas_ = geometricSigmas(s.sigmaBegin, s.sigmaEnd, s.numLevels);
    trainForm_->setRunState(TrainSettingsForm::RunState::Running);
    QMetaObject::invokeMethod(worker_, "train", Qt::QueuedConnection, Q_ARG(TrainSettings, s), Q_ARG(QString, QString()));
  });
  connect(trainForm_, &TrainSettingsForm::resumeFromCheckpointRequested, this, [this](const QString& path) {
    const TrainSettings s = trainForm_->settings();
    trainSigmas_ = geometricSigmas(s.sigmaBegin, s.sigmaEnd, s.numLevels);
    trainForm_->setRunState(TrainSettingsForm::RunState::Running);
    QMetaObject::invokeMethod(worker_, "train", Qt::QueuedConnection, Q_ARG(TrainSettings, s), Q_ARG(QString, path));
  });
  connect(trainForm_, &TrainSettingsForm::pauseRequested, this, [this] {
    worker_->pause();
    trainForm_->setRunState(TrainSettingsForm::RunState::Paused);
  });
  connect(trainForm_, &TrainSettingsForm::resumeRequested, this, [this] {
    worker_->resume();
    trainForm_->setRunState(TrainSettingsForm::RunState::Running);
  });
  connect(trainForm_, &TrainSettingsForm::stopRequested, this, &MainWindow::stopJob);
  connect(trainForm_, &TrainSettingsForm::datasetChooserRequested, this, [this] { datasetBox_->showPopup(); });
  connect(w, &EngineWorker::trainPoint, this, [this](const TrainPoint& p) {
    dashboard_->addLossPoint(p.step, p.loss);
    if (std::isfinite(p.heldout)) dashboard_->addHeldoutLoss(p.step, p.heldout);
    if (p.levelLosses.size() == trainSigmas_.size()) dashboard_->addLevelLosses(p.step, p.levelLosses, trainSigmas_);
    dashboard_->addLearningRate(p.step, p.lr);
    dashboard_->setThroughput(p.itPerSec, p.elapsedS, p.remainingS, p.skippedSteps);
    showProgress(p.step, p.total, p.remainingS);
  });
  connect(w, &EngineWorker::checkpointWritten, dashboard_, &TrainDashboard::checkpointWritten);
  connect(w, &EngineWorker::trainPreview, dashboard_, &TrainDashboard::addPreview);
  connect(w, &EngineWorker::trainFinished, this, [this](bool completed, qint64 step, const QString& checkpoint) {
    trainForm_->setRunState(TrainSettingsForm::RunState::Idle);
    statusBar()->showMessage(tr("Training %1 at step %2; checkpoint %3").arg(completed ? tr("finished") : tr("stopped")).arg(step).arg(checkpoint), 15000);
    setJob({});
  });
  connect(dashboard_->checkpointList(), &CheckpointList::scoreRequested, this,
          [this](const QStringList& paths) { scoreCheckpoints(paths); });
  connect(w, &EngineWorker::checkpointScored, dashboard_->checkpointList(), &CheckpointList::setScore);
  connect(w, &EngineWorker::scoringFinished, this, [this](const QString& best, const QString& report) {
    dashboard_->checkpointList()->markBest(best);
    statusBar()->showMessage(tr("Best sample quality: %1 (scores in %2)").arg(QFileInfo(best).fileName(), report), 15000);
  });
  connect(dashboard_->checkpointList(), &CheckpointList::loadCheckpointRequested, this, [this](const QString& path) {
    openCheckpoint(path);
    showPage(SamplePage);
  });

  // Toy page
  connect(toy_, &ToyView::sampleRequested, w, &EngineWorker::toyCompare);
  connect(toy_, &ToyView::trainRequested, w, &EngineWorker::toyTrain);
  connect(w, &EngineWorker::toyDensity, toy_, &ToyView::setDensity);
  connect(w, &EngineWorker::toyTrueField, toy_, &ToyView::setTrueScoreField);
  connect(w, &EngineWorker::toyLearnedField, toy_, &ToyView::setLearnedScoreField);
  connect(w, &EngineWorker::toySamples, this, [this](int sampler, const QVector<QPointF>& points, double weight) {
    toy_->setSamples(static_cast<ToyView::Sampler>(sampler), points, weight);
  });
  connect(w, &EngineWorker::toyTrainProgress, toy_, &ToyView::setTrainingProgress);
  connect(w, &EngineWorker::toyTrainFinished, toy_, &ToyView::trainingFinished);
}

void MainWindow::restoreSettings() {
  QSettings settings;
  restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
  pages_->setCurrentIndex(settings.value(QStringLiteral("window/page"), 0).toInt());
  recent_ = settings.value(QStringLiteral("recentCheckpoints")).toStringList();
  rebuildRecentMenu();
  SampleRequest request = sample_->request();
  InpaintSettings inpaint = inpaint_->settings();
  TrainSettings train = trainForm_->settings();
  persistPages(settings, SettingsDirection::Load, request, inpaint, train);
  sample_->setRequest(request);
  inpaint_->setSettings(inpaint);
  trainForm_->setSettings(train);
  const QString device = settings.value(QStringLiteral("device"), QStringLiteral("cpu")).toString();
  deviceBox_->setCurrentIndex(std::max(0, deviceBox_->findData(device)));
  QMetaObject::invokeMethod(worker_, "setDevice", Qt::QueuedConnection, Q_ARG(QString, device));
}

void MainWindow::saveSettings() const {
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  settings.setValue(QStringLiteral("window/page"), pages_->currentIndex());
  settings.setValue(QStringLiteral("recentCheckpoints"), recent_);
  settings.setValue(QStringLiteral("device"), deviceBox_->currentData());
  SampleRequest request = sample_->request();
  InpaintSettings inpaint = inpaint_->settings();
  TrainSettings train = trainForm_->settings();
  persistPages(settings, SettingsDirection::Save, request, inpaint, train);
}

void MainWindow::rememberRecent(const QString& path) {
  recent_.removeAll(path);
  recent_.prepend(path);
  while (recent_.size() > kMaxRecent) recent_.removeLast();
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recentMenu_->clear();
  for (const QString& path : recent_) recentMenu_->addAction(QFileInfo(path).fileName(), this, [this, path] { openCheckpoint(path); })->setToolTip(path);
  recentMenu_->setEnabled(!recent_.isEmpty());
}

void MainWindow::chooseDataset(int index) {
  static const char* kinds[] = {"fashion-mnist", "mnist", "cifar10", "folder"};
  DatasetChoice choice;
  choice.kind = QString::fromLatin1(kinds[index]);
  if (index > 0) {
    choice.path = QFileDialog::getExistingDirectory(this, tr("Choose the %1 folder").arg(datasetBox_->itemText(index)));
    if (choice.path.isEmpty()) {
      datasetBox_->setCurrentIndex(0);
      choice = DatasetChoice{};
    }
  }
  QMetaObject::invokeMethod(worker_, "setDataset", Qt::QueuedConnection, Q_ARG(ncsn::DatasetChoice, choice));
  trainForm_->setDatasetPath(choice.label());
}

void MainWindow::openCheckpoint(const QString& path) {
  QMetaObject::invokeMethod(worker_, "loadModel", Qt::QueuedConnection, Q_ARG(QString, path));
}

void MainWindow::openFile(const QString& path) {
  if (isCheckpoint(path)) return openCheckpoint(path);
  QString json;
  try {
    json = QFileInfo(path).suffix().compare(QLatin1String("png"), Qt::CaseInsensitive) == 0 ? readSettingsJson(path) : QString();
  } catch (const std::exception& e) {
    return showError(QString::fromStdString(e.what()));
  }
  if (!json.isEmpty()) {
    // An exported result: restore how it was made, and the model that made it when it still exists.
    const QJsonObject settings = QJsonDocument::fromJson(json.toUtf8()).object();
    sample_->applySettings(settings);
    const QString checkpoint = settings.value(QStringLiteral("checkpoint")).toString();
    if (!checkpoint.isEmpty() && QFileInfo::exists(checkpoint) && checkpoint != model_.path) openCheckpoint(checkpoint);
    showPage(SamplePage);
    statusBar()->showMessage(tr("Settings and seed restored from %1").arg(QFileInfo(path).fileName()), 8000);
    return;
  }
  QImage image(path);
  if (image.isNull()) return showError(tr("%1 is neither a checkpoint nor an image the studio can read.").arg(path));
  inpaint_->setImage(image);
  showPage(InpaintPage);
}

void MainWindow::startSampling() {
  if (jobRunning()) return;
  showPage(SamplePage);
  QMetaObject::invokeMethod(worker_, "sample", Qt::QueuedConnection, Q_ARG(ncsn::SampleRequest, sample_->request()));
}

void MainWindow::scoreCheckpoints(const QStringList& paths, int samples) {
  if (jobRunning() || paths.isEmpty()) return;
  QSettings settings;
  if (samples <= 0) {
    bool ok = false;
    samples = QInputDialog::getInt(this, tr("Score checkpoints"),
                                   tr("Samples per checkpoint (the paper uses 1000; T = %1 steps per level, from the Sample page):")
                                       .arg(sample_->request().stepsPerLevel),
                                   settings.value("score/samples", 1000).toInt(), 2, 100000, 100, &ok);
    if (!ok) return;
    settings.setValue("score/samples", samples);
  }
  dashboard_->checkpointList()->setScoring(true);
  QMetaObject::invokeMethod(worker_, "scoreCheckpoints", Qt::QueuedConnection, Q_ARG(QStringList, paths), Q_ARG(int, samples),
                            Q_ARG(int, sample_->request().stepsPerLevel));
}

void MainWindow::stopJob() { worker_->requestStop(StopMode::Now); worker_->resume(); }

void MainWindow::setJob(const QString& kind) {
  currentJob_ = kind;
  cancel_->setEnabled(!kind.isEmpty());
  progress_->setVisible(!kind.isEmpty());
  etaLabel_->setVisible(!kind.isEmpty());
  if (kind.isEmpty()) emit jobEnded(kind);
  progress_->setFormat(kind.isEmpty() ? QString() : kind + QStringLiteral(" %p%"));
}

void MainWindow::showProgress(qint64 done, qint64 total, double etaSeconds) {
  progress_->setRange(0, 1000);
  progress_->setValue(total > 0 ? static_cast<int>(1000 * done / total) : 0);
  etaLabel_->setText(tr("ETA %1").arg(durationText(etaSeconds)));
}

void MainWindow::updateMemory() { memoryLabel_->setText(tr("Memory: %1").arg(residentMemory())); }

void MainWindow::showError(const QString& message) {
  // Non-modal: the window keeps running (and a job can be started) while the message is up.
  auto* box = new QMessageBox(QMessageBox::Warning, tr("NCSN Studio"), message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
  statusBar()->showMessage(message, 15000);
  emit errorShown(message);
}

void MainWindow::exportWith(const QString& title, const QString& fileName, const QString& filter,
                            void (SampleView::*write)(const QString&) const) {
  const QString path = askSaveFileName(this, title, fileName, filter);
  if (path.isEmpty()) return;
  try {
    (sample_->*write)(path);
    statusBar()->showMessage(tr("Wrote %1").arg(path), 8000);
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
  }
}

void MainWindow::exportVideo(const QString& path) {
  const QList<QImage> frames = sample_->annealingFrames();
  statusBar()->showMessage(tr("Encoding %n frame(s) to %1…", nullptr, int(frames.size())).arg(path));
  auto* encoding = new QFutureWatcher<QString>(this);
  connect(encoding, &QFutureWatcher<QString>::finished, this, [this, encoding, path] {
    const QString error = encoding->result();
    encoding->deleteLater();
    if (error.isEmpty())
      statusBar()->showMessage(tr("Wrote %1").arg(path), 8000);
    else
      showError(error);
    emit videoExported(path, error);
  });
  encoding->setFuture(QtConcurrent::run([frames, path]() -> QString {
    try {
      writeAnnealingVideo(path, frames);
      return {};
    } catch (const std::exception& e) {
      return QString::fromStdString(e.what());
    }
  }));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveSettings();
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) openFile(url.toLocalFile());
}

}  // namespace ncsn
