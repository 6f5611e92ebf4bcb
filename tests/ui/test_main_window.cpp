// The studio window: every page opens, the event loop never stalls while a model samples,
// exports round-trip their settings (and dropping them back restores the seed), and errors are
// shown without breaking the window.
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonObject>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "engine_worker.hpp"
#include "ncsn/fault_injection.hpp"
#include "ncsn/image_dataset.hpp"
#include "inpaint/inpaint_view.hpp"
#include "main_window.hpp"
#include "checkpoint_list.hpp"
#include "sample_view.hpp"
#include "studio_export.hpp"
#include "studio_fixtures.hpp"
#include "test_support.hpp"
#include "train_settings_form.hpp"

using namespace ncsn;

class TestMainWindow : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString checkpoint_;

  static void openModel(MainWindow& window, const QString& path) {
    QSignalSpy ready(&window, &MainWindow::modelReady);
    window.openCheckpoint(path);
    QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty(), 30000);
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // keep the user's QSettings out of it
    QVERIFY(dir_.isValid());
    checkpoint_ = test::writeTinyCheckpoint(dir_.filePath(QStringLiteral("tiny.ncsn")));
  }

  void opensEachView() {
    MainWindow window;
    window.show();
    for (int page = MainWindow::SamplePage; page <= MainWindow::ToyPage; ++page) {
      window.showPage(static_cast<MainWindow::Page>(page));
      QCOMPARE(window.pages()->currentIndex(), page);
      QVERIFY(window.pages()->currentWidget()->isVisible());
    }
    QCOMPARE(window.pages()->count(), 4);
  }

  // File > Open shipped model lists the models this installation has, and opens them.
  void shippedModelsOpenFromTheFileMenu() {
    const QString small = EngineWorker::shippedModelPath();
    if (small.isEmpty()) QSKIP("no model in resources/models");
    MainWindow window;
    window.show();
    auto* menu = window.findChild<QMenu*>(QStringLiteral("shippedModelsMenu"));
    QVERIFY(menu && menu->isEnabled());
    const auto actions = menu->actions();
    QCOMPARE(actions.size(), EngineWorker::shippedModelPath(EngineWorker::ShippedModel::ReferenceSize).isEmpty() ? 1 : 2);
    QCOMPARE(actions.first()->toolTip(), small);
    for (auto* action : actions) QVERIFY2(QFile::exists(action->toolTip()), qPrintable(action->toolTip()));
    QSignalSpy ready(&window, &MainWindow::modelReady);
    actions.first()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty(), 30000);
  }

  void eventLoopNeverStallsWhileSampling() {
    MainWindow window;
    window.show();
    openModel(window, checkpoint_);
    SampleRequest r = window.sampleView()->request();
    r.count = 16;
    r.stepsPerLevel = 150;
    window.sampleView()->setRequest(r);

    QElapsedTimer sinceTick;
    qint64 worstGapMs = 0;
    QTimer probe;
    connect(&probe, &QTimer::timeout, this, [&] {
      worstGapMs = std::max(worstGapMs, sinceTick.restart());
    });
    QSignalSpy ended(&window, &MainWindow::jobEnded);
    sinceTick.start();
    probe.start(10);
    window.startSampling();
    QTRY_VERIFY_WITH_TIMEOUT(!ended.isEmpty(), 120000);
    probe.stop();
    QVERIFY2(worstGapMs < 100, qPrintable(QStringLiteral("the UI thread stalled for %1 ms").arg(worstGapMs)));
    QVERIFY(window.sampleView()->storedFrameCount() >= 2);  // live frames arrived, plus the final state
    QVERIFY(!window.sampleView()->filmstrip().isNull());
  }

  void exportedPngRestoresItsSettings() {
    MainWindow window;
    window.show();
    openModel(window, checkpoint_);
    SampleRequest r = window.sampleView()->request();
    r.count = 4;
    r.stepsPerLevel = 3;
    r.seed = 1234;
    window.sampleView()->setRequest(r);
    QSignalSpy ended(&window, &MainWindow::jobEnded);
    window.startSampling();
    QTRY_VERIFY_WITH_TIMEOUT(!ended.isEmpty(), 60000);

    const QString png = dir_.filePath(QStringLiteral("export.png"));
    window.sampleView()->exportGrid(png);
    const QString json = readSettingsJson(png);
    QCOMPARE(json, window.sampleView()->settingsJson());
    QVERIFY(json.contains(QStringLiteral("\"seed\":1234")));

    r.seed = 99;
    r.stepsPerLevel = 50;
    window.sampleView()->setRequest(r);
    window.openFile(png);  // what a drop does
    QCOMPARE(window.sampleView()->request().seed, quint64(1234));
    QCOMPARE(window.sampleView()->request().stepsPerLevel, 3);

    const QString gif = dir_.filePath(QStringLiteral("anneal.gif"));
    window.sampleView()->exportAnimation(gif);
    QVERIFY(QFileInfo(gif).size() > 0);

    // The video is encoded beside the window; the result, or the reason there is none, comes back.
    QSignalSpy exported(&window, &MainWindow::videoExported);
    const QString mp4 = dir_.filePath(QStringLiteral("anneal.mp4"));
    window.exportVideo(mp4);
    QTRY_VERIFY_WITH_TIMEOUT(exported.size() == 1, 60000);
    QCOMPARE(exported.first().at(1).toString(), QString());
    QVERIFY(QFileInfo(mp4).size() > 0);
    QSignalSpy errors(&window, &MainWindow::errorShown);
    window.exportVideo(dir_.filePath(QStringLiteral("anneal.avi")));
    QTRY_VERIFY_WITH_TIMEOUT(exported.size() == 2, 60000);
    QVERIFY2(exported.last().at(1).toString().contains(QStringLiteral("ending in .mp4")), qPrintable(exported.last().at(1).toString()));
    QCOMPARE(errors.size(), 1);
  }

  void errorsAreShownAndTheWindowGoesOn() {
    MainWindow window;
    window.show();
    QSignalSpy errors(&window, &MainWindow::errorShown);
    window.openCheckpoint(dir_.filePath(QStringLiteral("broken.ncsn")));
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 10000);
    QVERIFY(errors.takeFirst().at(0).toString().contains(QStringLiteral("broken.ncsn")));
    openModel(window, checkpoint_);  // the next job still runs
  }

  // A GPU running out of memory mid-job (simulated: this machine may have no GPU).
  void outOfMemoryMidJobIsShownAndTheNextJobRuns() {
    MainWindow window;
    window.show();
    openModel(window, checkpoint_);
    SampleRequest r = window.sampleView()->request();
    r.stepsPerLevel = 3;
    window.sampleView()->setRequest(r);
    QSignalSpy errors(&window, &MainWindow::errorShown);
    QSignalSpy finished(window.worker(), &EngineWorker::jobFinished);
    faults::arm_out_of_memory(faults::kSamplerStep, 5);
    window.startSampling();
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 30000);
    const QString message = errors.takeFirst().at(0).toString();
    QVERIFY2(message.contains(QStringLiteral("CUDA out of memory")) && message.contains(QStringLiteral("lower the batch size")),
             qPrintable(message));
    QVERIFY(finished.isEmpty());
    QTRY_VERIFY(!window.sampleView()->isRunning());

    window.startSampling();  // nothing armed now: the same job runs to the end
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
    QVERIFY(finished.takeFirst().at(0).value<JobOutcome>().completed);
    QVERIFY(errors.isEmpty());
  }

  // The paper's checkpoint selection from the Train page: every checkpoint sampled and scored on
  // Fashion-MNIST with the shipped classifier, the best marked and scores.json written.
  void scoringCheckpointsMarksTheBest() {
    if (!QFile::exists(QString::fromStdString(default_fashion_mnist_dir()) + "/t10k-images-idx3-ubyte.gz"))
      QSKIP("the Debian package dataset-fashion-mnist is not installed");
    QStringList paths;
    for (int seed : {1, 2}) {
      torch::manual_seed(seed);
      auto config = test::tinyModelConfig();
      config.image_size = 28;
      NcsnScoreNet net(config);
      CheckpointMeta meta;
      meta.model = config;
      meta.step = seed * 100;
      paths << dir_.filePath(QStringLiteral("fm/checkpoint_%1.ncsn").arg(seed * 100));
      QDir().mkpath(dir_.filePath(QStringLiteral("fm")));
      save_checkpoint(paths.last().toStdString(), net, meta);
    }
    MainWindow window;
    window.show();
    auto* list = window.findChild<CheckpointList*>();
    QVERIFY(list);
    list->addCheckpoint(100, paths[0], 1.0);
    list->addCheckpoint(200, paths[1], 1.0);
    SampleRequest r = window.sampleView()->request();
    r.stepsPerLevel = 1;
    window.sampleView()->setRequest(r);
    QSignalSpy scored(window.worker(), &EngineWorker::checkpointScored);
    QSignalSpy finished(window.worker(), &EngineWorker::scoringFinished);
    QSignalSpy errors(&window, &MainWindow::errorShown);
    window.scoreCheckpoints(paths, 8);
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !errors.isEmpty(), 120000);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.isEmpty() ? QString() : errors.first().at(0).toString()));
    QCOMPARE(scored.size(), 2);
    QVERIFY(scored.at(0).at(1).toDouble() > 0);
    QVERIFY(scored.at(0).at(2).toString().contains(QStringLiteral("FD-cls")));
    const QString best = finished.first().at(0).toString();
    QVERIFY(paths.contains(best));
    QTRY_COMPARE(list->bestPath(), best);
    const auto report = ncsn::test::read_json_file(dir_.filePath(QStringLiteral("fm/scores.json")));
    QCOMPARE(report["best"].toString(), best);

    // The same pass again comes from scores.json: the same figures, and nothing is rewritten.
    const QDateTime written = QFileInfo(dir_.filePath(QStringLiteral("fm/scores.json"))).lastModified();
    scored.clear();
    finished.clear();
    window.scoreCheckpoints(paths, 8);
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !errors.isEmpty(), 120000);
    QVERIFY(errors.isEmpty());
    QCOMPARE(scored.size(), 2);
    QCOMPARE(finished.first().at(0).toString(), best);
    QCOMPARE(QFileInfo(dir_.filePath(QStringLiteral("fm/scores.json"))).lastModified(), written);
  }

  // What the user set on each page comes back in the next session (QSettings), except the
  // dataset, which follows the dataset box.
  void settingsSurviveARestart() {
    SampleRequest sample;
    InpaintSettings inpaint;
    TrainSettings train;
    {
      MainWindow window;
      window.show();
      sample = window.sampleView()->request();
      sample.count = 9, sample.stepsPerLevel = 17, sample.seed = 4711, sample.denoiseLast = !sample.denoiseLast;
      window.sampleView()->setRequest(sample);
      inpaint = window.inpaintView()->settings();
      inpaint.candidates = 3, inpaint.seed = 99, inpaint.stepsPerLevel = 23, inpaint.stepLr = 3e-5;
      window.inpaintView()->setSettings(inpaint);
      train = window.trainForm()->settings();
      train.ngf = 32, train.numLevels = 7, train.batchSize = 48, train.accumulateParts = 2, train.mixedPrecision = "bf16", train.iterations = 1234, train.emaEnabled = true;
      train.emaRate = 0.99, train.checkpointFolder = dir_.filePath("persisted-run"), train.rollbackOnNan = false;
      train.initialModel = checkpoint_;
      window.trainForm()->setSettings(train);
      window.close();
    }
    MainWindow reopened;
    const auto s = reopened.sampleView()->request();
    QCOMPARE(s.count, 9);
    QCOMPARE(s.stepsPerLevel, 17);
    QCOMPARE(s.seed, quint64{4711});
    QCOMPARE(s.denoiseLast, sample.denoiseLast);
    const auto i = reopened.inpaintView()->settings();
    QCOMPARE(i.candidates, 3);
    QCOMPARE(i.seed, quint64{99});
    QCOMPARE(i.stepsPerLevel, 23);
    QCOMPARE(i.stepLr, 3e-5);
    const auto t = reopened.trainForm()->settings();
    QCOMPARE(t.ngf, 32);
    QCOMPARE(t.numLevels, 7);
    QCOMPARE(t.batchSize, 48);
    QCOMPARE(t.accumulateParts, 2);
    QCOMPARE(t.mixedPrecision, QString("bf16"));
    QCOMPARE(t.iterations, qint64{1234});
    QVERIFY(t.emaEnabled);
    QCOMPARE(t.emaRate, 0.99);
    QCOMPARE(t.checkpointFolder, dir_.filePath("persisted-run"));
    QVERIFY(!t.rollbackOnNan);
    QCOMPARE(t.initialModel, checkpoint_);
    // Starting from a model, the architecture is the model's: its fields are not editable.
    QVERIFY(!reopened.trainForm()->findChild<QSpinBox*>(QStringLiteral("ngf"))->isEnabled());
    QVERIFY(reopened.trainForm()->findChild<QSpinBox*>(QStringLiteral("batchSize"))->isEnabled());
    QVERIFY(t == [&] { auto want = train; want.datasetPath = t.datasetPath; return want; }());
    QSettings().clear();  // the other tests start from the defaults
  }

  void closingDuringAJobStopsIt() {
    auto* window = new MainWindow;
    window->show();
    openModel(*window, checkpoint_);
    SampleRequest r = window->sampleView()->request();
    r.stepsPerLevel = 100000;  // would run for minutes
    window->sampleView()->setRequest(r);
    QSignalSpy started(window->worker(), &EngineWorker::jobStarted);
    window->startSampling();
    QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty(), 10000);
    QElapsedTimer clock;
    clock.start();
    window->close();
    delete window;  // joins the engine thread: returns only once the job has stopped
    QVERIFY(clock.elapsed() < 30000);
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
