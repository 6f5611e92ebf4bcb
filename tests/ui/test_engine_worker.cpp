// The engine worker on its own thread: frames, completion, stop within one step, finishing a
// level, inpainting's known pixels, errors as signals, and the frame throttle and exports.
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest/QtTest>

#include <atomic>
#include <utility>

#include "engine_worker.hpp"
#include "frame_throttle.hpp"
#include "ncsn/score_record.hpp"
#include "studio_export.hpp"
#include "studio_fixtures.hpp"
#include "test_support.hpp"

using namespace ncsn;

class TestEngineWorker : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString checkpoint_;
  QThread thread_;
  EngineWorker* worker_ = nullptr;

  void loadTinyModel() {
    QSignalSpy loaded(worker_, &EngineWorker::modelLoaded);
    QMetaObject::invokeMethod(worker_, "loadModel", Q_ARG(QString, checkpoint_));
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 30000);
  }

  JobOutcome runAndWait(const SampleRequest& r) {
    QSignalSpy finished(worker_, &EngineWorker::jobFinished);
    QMetaObject::invokeMethod(worker_, "sample", Q_ARG(ncsn::SampleRequest, r));
    // Polls: a spy's wait() would miss a signal the worker sent before wait() started.
    QElapsedTimer clock;
    clock.start();
    while (finished.isEmpty() && clock.elapsed() < 60000) QTest::qWait(5);
    if (finished.isEmpty()) return {};
    return finished.takeFirst().at(0).value<JobOutcome>();
  }

  // Samples 2 images and asks for `mode` at the first frame with at least `atStep` steps done;
  // returns the outcome and the step count at which the stop was asked.
  std::pair<JobOutcome, qint64> sampleStoppingAt(int stepsPerLevel, int atStep, StopMode mode) {
    worker_->setFrameIntervalMs(0);
    std::atomic<qint64> requestedAt{-1};
    // Direct connection: runs on the engine thread at the frame, like a click landing mid-step.
    auto c = connect(worker_, &EngineWorker::frameReady, worker_, [&](const FrameInfo& info) {
      worker_->frameConsumed();
      if (info.done >= atStep && requestedAt.load() < 0) {
        requestedAt = info.done;
        worker_->requestStop(mode);
      }
    }, Qt::DirectConnection);
    SampleRequest r;
    r.count = 2;
    r.stepsPerLevel = stepsPerLevel;
    const auto outcome = runAndWait(r);
    disconnect(c);
    worker_->setFrameIntervalMs(200);
    return {outcome, requestedAt.load()};
  }

 private slots:
  void initTestCase() {
    torch::set_num_threads(1);
    QVERIFY(dir_.isValid());
    checkpoint_ = test::writeTinyCheckpoint(dir_.filePath(QStringLiteral("tiny.ncsn")));
    worker_ = new EngineWorker;
    worker_->moveToThread(&thread_);
    thread_.start();
    loadTinyModel();
  }

  void cleanupTestCase() {
    thread_.quit();
    thread_.wait();
    delete worker_;
  }

  void emitsFramesAndFinishes() {
    QSignalSpy frames(worker_, &EngineWorker::frameReady);
    QSignalSpy levels(worker_, &EngineWorker::levelFinished);
    QSignalSpy device(worker_, &EngineWorker::deviceChanged);
    connect(worker_, &EngineWorker::frameReady, this, [this] { worker_->frameConsumed(); });
    SampleRequest r;
    r.count = 4;
    r.columns = 2;
    r.stepsPerLevel = 5;
    r.seed = 3;
    const auto outcome = runAndWait(r);
    QVERIFY(outcome.completed);
    QCOMPARE(outcome.stepsDone, 15);
    QCOMPARE(outcome.images.size(), 4);
    QCOMPARE(outcome.images.first().size(), QSize(8, 8));
    QVERIFY(frames.size() >= 1);
    QCOMPARE(levels.size(), 3);  // one filmstrip row per level
    QCOMPARE(levels.first().at(1).value<QList<QImage>>().size(), 2);
    // Each CPU job takes the cores free at its start and says how many.
    QCOMPARE(device.size(), 1);
    QVERIFY2(device.first().at(0).toString().contains(QRegularExpression(QStringLiteral("^CPU \\(\\d+ threads?\\)$"))),
             qPrintable(device.first().at(0).toString()));
    QVERIFY(outcome.settingsJson.contains(QStringLiteral("\"seed\":3")));
    // Same seed, same samples: reproducible from the settings alone.
    QCOMPARE(runAndWait(r).images, outcome.images);
  }

  void stopNowActsWithinOneStep() {
    const auto [outcome, requestedAt] = sampleStoppingAt(200, 7, StopMode::Now);
    QVERIFY(!outcome.completed);
    QVERIFY(requestedAt >= 7);
    QVERIFY2(outcome.stepsDone <= requestedAt + 1,
             qPrintable(QStringLiteral("stopped at %1, asked at %2").arg(outcome.stepsDone).arg(requestedAt)));
    QCOMPARE(outcome.images.size(), 2);  // what exists is kept
  }

  void finishLevelCompletesTheLevel() {
    const auto [outcome, requestedAt] = sampleStoppingAt(20, 0, StopMode::FinishLevel);
    QVERIFY(!outcome.completed);
    QVERIFY(requestedAt >= 0 && requestedAt < 20);
    QCOMPARE(outcome.stepsDone, 20);
  }

  void inpaintKeepsKnownPixels() {
    const QImage image = test::gradientImage(8);
    QImage mask(8, 8, QImage::Format_Grayscale8);
    mask.fill(0);
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 4; ++x) mask.scanLine(y)[x] = 255;  // left half kept
    InpaintSettings s;
    s.candidates = 3;
    s.stepsPerLevel = 4;
    QSignalSpy finished(worker_, &EngineWorker::jobFinished);
    QMetaObject::invokeMethod(worker_, "inpaint", Q_ARG(QImage, image), Q_ARG(QImage, mask), Q_ARG(ncsn::InpaintSettings, s));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 60000);
    const auto outcome = finished.takeFirst().at(0).value<JobOutcome>();
    QCOMPARE(outcome.kind, QStringLiteral("inpaint"));
    QCOMPARE(outcome.images.size(), 3);
    bool changedUnknown = false;
    for (const QImage& candidate : outcome.images) {
      for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) {
          const uchar got = candidate.constScanLine(y)[x], want = image.constScanLine(y)[x];
          if (x < 4) QCOMPARE(got, want);
          else changedUnknown = changedUnknown || got != want;
        }
    }
    QVERIFY(changedUnknown);
  }

  void errorsArriveAsSignalsAndTheWorkerGoesOn() {
    QSignalSpy failed(worker_, &EngineWorker::failed);
    QMetaObject::invokeMethod(worker_, "loadModel", Q_ARG(QString, dir_.filePath(QStringLiteral("missing.ncsn"))));
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
    QVERIFY(failed.takeFirst().at(0).toString().contains(QStringLiteral("missing.ncsn")));

    QMetaObject::invokeMethod(worker_, "inpaint", Q_ARG(QImage, test::gradientImage(12)), Q_ARG(QImage, test::gradientImage(12)),
                              Q_ARG(ncsn::InpaintSettings, InpaintSettings{}));
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
    QVERIFY(failed.takeFirst().at(0).toString().contains(QStringLiteral("12×12")));

    QImage colour(8, 8, QImage::Format_RGB32);
    colour.fill(QColor(200, 40, 40));
    QImage mask(8, 8, QImage::Format_Grayscale8);
    mask.fill(255);
    QMetaObject::invokeMethod(worker_, "inpaint", Q_ARG(QImage, colour), Q_ARG(QImage, mask), Q_ARG(ncsn::InpaintSettings, InpaintSettings{}));
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
    QVERIFY(failed.takeFirst().at(0).toString().contains(QStringLiteral("is in colour but the model works on greyscale")));

    QMetaObject::invokeMethod(worker_, "inpaint", Q_ARG(QImage, test::gradientImage(8)), Q_ARG(QImage, test::gradientImage(10)),
                              Q_ARG(ncsn::InpaintSettings, InpaintSettings{}));
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
    QVERIFY(failed.takeFirst().at(0).toString().contains(QStringLiteral("The mask and the image differ in size")));

    loadTinyModel();  // still usable
    SampleRequest r;
    r.count = 1;
    r.stepsPerLevel = 1;
    QVERIFY(runAndWait(r).completed);
  }

  void throttleDropsFramesWhileOneIsInFlight() {
    FrameThrottle throttle(0);
    throttle.start(2);
    QVERIFY(!throttle.admit(1));  // not a multiple of 2
    QVERIFY(throttle.admit(2));
    QVERIFY(!throttle.admit(4));  // the UI has not shown frame 2
    QCOMPARE(throttle.dropped(), 1);
    throttle.consumed();
    QVERIFY(throttle.admit(6));
    FrameThrottle slow(60000);
    slow.start(1);
    QVERIFY(slow.admit(1));
    slow.consumed();
    QVERIFY(!slow.admit(2));  // too soon after the last one
  }

  // Start from a model: the run takes its architecture and step (not the form's ngf 64), and
  // Start again resumes the run's own checkpoints rather than the model.
  void trainingStartsFromAModelThenResumesItsRun() {
    const QString data = dir_.filePath(QStringLiteral("idx"));
    QVERIFY(QDir().mkpath(data));
    test::write_idx_folder(test::str(data), 16, 8);
    auto config = test::tinyModelConfig();
    config.image_size = 12;
    torch::manual_seed(5);
    NcsnScoreNet net(config);
    CheckpointMeta meta;
    meta.model = config;
    meta.step = 42;
    const QString model = dir_.filePath(QStringLiteral("start-from.ncsn"));
    save_checkpoint(test::str(model), net, meta);
    QMetaObject::invokeMethod(worker_, "setDataset", Q_ARG(ncsn::DatasetChoice, (DatasetChoice{QStringLiteral("mnist"), data})));

    TrainSettings t;
    t.initialModel = model;
    t.batchSize = 4;
    t.iterations = 44;
    t.checkpointInterval = 1;
    t.checkpointFolder = dir_.filePath(QStringLiteral("from-model"));
    const auto train = [&](qint64 iterations) {
      t.iterations = iterations;
      QSignalSpy finished(worker_, &EngineWorker::trainFinished);
      QSignalSpy failed(worker_, &EngineWorker::failed);
      QSignalSpy messages(worker_, &EngineWorker::message);
      QMetaObject::invokeMethod(worker_, "train", Q_ARG(TrainSettings, t), Q_ARG(QString, QString()));
      [&] { QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 60000); }();
      QStringList said;
      for (const auto& m : messages) said << m.at(0).toString();
      for (const auto& f : failed) said << f.at(0).toString();
      return std::make_pair(finished.isEmpty() ? qint64{-1} : finished.first().at(1).toLongLong(), said.join('\n'));
    };
    auto [step, said] = train(44);
    QVERIFY2(step == 44, qPrintable(said));
    QVERIFY2(said.contains(QStringLiteral("starting from")) && said.contains(QStringLiteral("(step 42)")), qPrintable(said));
    QVERIFY(QFile::exists(t.checkpointFolder + QStringLiteral("/checkpoint_43.ncsn")));
    QVERIFY(!QFile::exists(t.checkpointFolder + QStringLiteral("/checkpoint_1.ncsn")));
    const auto trained = read_checkpoint_meta(test::str(t.checkpointFolder + QStringLiteral("/checkpoint_44.ncsn"))).model;
    QCOMPARE(trained.ngf, config.ngf);
    QCOMPARE(trained.num_classes, config.num_classes);

    // A score kept in the run folder's record from an earlier session.
    const auto scoredPath = test::str(t.checkpointFolder + QStringLiteral("/checkpoint_44.ncsn"));
    const std::vector<std::string> pass{scoredPath};
    ScoreRecord(score_record_path(test::str(t.checkpointFolder)))
        .put({{"checkpoint", scoredPath}, {"fd_cls", 12.5}, {"step", 44}, {"samples", 1000}}, {{"samples", 1000}}, pass);

    QSignalSpy written(worker_, &EngineWorker::checkpointWritten);
    QSignalSpy scored(worker_, &EngineWorker::checkpointScored);
    QSignalSpy best(worker_, &EngineWorker::scoringFinished);
    std::tie(step, said) = train(45);
    QVERIFY2(step == 45, qPrintable(said));
    QVERIFY2(said.contains(QStringLiteral("resumed from")) && !said.contains(QStringLiteral("starting from")), qPrintable(said));
    // The Train view lists the run's checkpoints from before this session, with their scores.
    QList<qint64> steps;
    for (const auto& w : written) steps << w.at(0).toLongLong();
    QCOMPARE(steps, (QList<qint64>{43, 44, 45}));
    QCOMPARE(scored.size(), 1);
    QCOMPARE(scored.first().at(0).toString().toStdString(), scoredPath);
    QCOMPARE(scored.first().at(1).toDouble(), 12.5);
    QVERIFY2(scored.first().at(2).toString().contains(QStringLiteral("step 44: FD-cls 12.50 on 1000 samples")),
             qPrintable(scored.first().at(2).toString()));
    QCOMPARE(best.size(), 1);
    QCOMPARE(best.first().at(0).toString().toStdString(), scoredPath);
    QMetaObject::invokeMethod(worker_, "setDataset", Q_ARG(ncsn::DatasetChoice, DatasetChoice{}));
  }

  void exportsRoundTrip() {
    const QString png = dir_.filePath(QStringLiteral("grid.png"));
    const QString json = QStringLiteral(R"({"seed":5,"eps":2e-05})");
    writeSettingsPng(png, test::gradientImage(8), json);
    QCOMPARE(readSettingsJson(png), json);
    QCOMPARE(QImage(png).convertToFormat(QImage::Format_Grayscale8), test::gradientImage(8));

    const QString gif = dir_.filePath(QStringLiteral("anneal.gif"));
    writeAnimatedGif(gif, {test::gradientImage(8), test::gradientImage(8).mirrored()}, 100);
    QFile file(gif);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.startsWith("GIF89a"));
    QVERIFY(bytes.contains("NETSCAPE2.0"));  // loops
    QVERIFY(!QFile::exists(gif + QStringLiteral(".part")));
    QVERIFY_THROWS_EXCEPTION(std::exception, writeAnimatedGif(dir_.filePath(QStringLiteral("no/such/dir/a.gif")), {test::gradientImage(8)}));
  }
};

QTEST_MAIN(TestEngineWorker)
#include "test_engine_worker.moc"
