// The training dashboard: buffered drawing, CSV and PNG export, throughput labels, per-level
// losses and the checkpoint list.
#include <QFileDialog>
#include <QImageReader>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <cmath>
#include <functional>
#include <qcustomplot.h>
#include <stdexcept>

#include "checkpoint_list.hpp"
#include "duration_text.hpp"
#include "file_size_limit.hpp"
#include "interactive_plot.hpp"
#include "train_dashboard.hpp"

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

QCustomPlot* plotNamed(const TrainDashboard& dashboard, const char* name) {
  return dashboard.findChild<QCustomPlot*>(name);
}

QStringList readLines(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
  return QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
}

QImage solidImage(QColor color) {
  QImage image(8, 8, QImage::Format_RGB32);
  image.fill(color);
  return image;
}

// The message of the std::runtime_error that f throws, or "no exception".
QString errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return QString::fromStdString(e.what());
  }
  return QStringLiteral("no exception");
}

// Answers the modal dialogs that the next action opens, in order: the folder dialog is pointed at
// `folder` and accepted, and each question box gets the next of `answers`.
void answerDialogs(const QString& folder, QList<QMessageBox::StandardButton> answers, QString* openedIn) {
  auto* timer = new QTimer;
  timer->setInterval(10);
  QObject::connect(timer, &QTimer::timeout, [=]() mutable {
    QWidget* modal = QApplication::activeModalWidget();
    if (auto* dialog = qobject_cast<QFileDialog*>(modal)) {
      *openedIn = dialog->directory().absolutePath();
      dialog->setDirectory(folder);
      static_cast<QDialog*>(dialog)->accept();  // what Choose does
    } else if (auto* box = qobject_cast<QMessageBox*>(modal)) {
      box->button(answers.takeFirst())->click();
    }
    if (!modal || answers.isEmpty()) timer->deleteLater();
  });
  timer->start();
}

}  // namespace

class TestTrainDashboard : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // QSettings must not touch the user's settings
    QCoreApplication::setOrganizationName("ncsn-studio-tests");
    QCoreApplication::setApplicationName("test_train_dashboard");
  }

  void tenThousandPointsAreBufferedAndDrawnInOneGo() {
    TrainDashboard dashboard;
    dashboard.show();
    QCustomPlot* lossPlot = plotNamed(dashboard, "lossPlot");
    QVERIFY(lossPlot);
    QCoreApplication::processEvents();
    QSignalSpy replots(lossPlot, &QCustomPlot::afterReplot);

    for (int step = 1; step <= 10000; ++step) dashboard.addLossPoint(step, 100.0 / step);
    QCOMPARE(replots.count(), 0);                      // nothing drawn per point
    QCOMPARE(lossPlot->graph(0)->dataCount(), 0);      // still in the buffer
    QCOMPARE(dashboard.history().losses().size(), 10000);

    QTRY_COMPARE(lossPlot->graph(0)->dataCount(), 10000);
    QTRY_VERIFY(replots.count() >= 1);
    QVERIFY2(replots.count() <= 2, qPrintable(QString::number(replots.count())));
    QCOMPARE(lossPlot->graph(1)->dataCount(), 10000);  // smoothed
    QCOMPARE(lossPlot->graph(0)->data()->at(9999)->value, 0.01);
  }

  void csvHasOneRowPerStepWithEmptyCellsForMissingValues() {
    TrainDashboard dashboard;
    dashboard.setSmoothingWeight(0.5);
    dashboard.addLearningRate(1, 0.001);
    for (int step = 1; step <= 3; ++step) dashboard.addLossPoint(step, double(step));
    dashboard.addHeldoutLoss(2, 2.5);
    dashboard.addLearningRate(3, 0.0005);
    dashboard.addHeldoutLoss(4, 3.75);  // an evaluation step without a training point

    QTemporaryDir dir;
    const QString path = dir.filePath("series.csv");
    dashboard.saveSeriesCsv(path);
    QCOMPARE(readLines(path), (QStringList{"step,loss,smoothed,heldout,lr",
                                           "1,1,1,,0.001",
                                           "2,2,1.6666666666666667,2.5,",
                                           "3,3,2.4285714285714284,,0.0005",
                                           "4,,,3.75,"}));
    dashboard.addLearningRate(5, 1e-7);
    dashboard.saveSeriesCsv(path);
    QCOMPARE(readLines(path).last(), QString("5,,,,1e-07"));
  }

  void csvOfTenThousandPoints() {
    TrainDashboard dashboard;
    dashboard.setSmoothingWeight(0.0);
    for (int step = 1; step <= 10000; ++step) dashboard.addLossPoint(step, step * 0.5);
    QTemporaryDir dir;
    const QString path = dir.filePath("long.csv");
    dashboard.saveSeriesCsv(path);
    const QStringList lines = readLines(path);
    QCOMPARE(lines.size(), 10001);
    QCOMPARE(lines.at(1), QString("1,0.5,0.5,,"));
    QCOMPARE(lines.last(), QString("10000,5000,5000,,"));
  }

  void smoothingWeightChangesTheCurveAndPersists() {
    {
      TrainDashboard dashboard;
      for (int step = 1; step <= 3; ++step) dashboard.addLossPoint(step, double(step));
      dashboard.setSmoothingWeight(0.5);
      QCustomPlot* lossPlot = plotNamed(dashboard, "lossPlot");
      QCOMPARE(lossPlot->graph(1)->data()->at(2)->value, 17.0 / 7.0);
      QCOMPARE(dashboard.findChild<QSlider*>("smoothingSlider")->value(), 500);
    }
    TrainDashboard reopened;
    QCOMPARE(reopened.smoothingWeight(), 0.5);
  }

  void chartsExportAsValidPngs() {
    TrainDashboard dashboard;
    for (int step = 1; step <= 200; ++step) {
      dashboard.addLossPoint(step, 50.0 / std::sqrt(step));
      dashboard.addLearningRate(step, 1e-3);
    }
    dashboard.addLevelLosses(200, {3.0, 2.0, 1.0}, {1.0, 0.1, 0.01});
    QTemporaryDir dir;
    dashboard.saveChartsPng(dir.path());
    for (const char* name : {"training-loss.png", "loss-per-noise-level.png", "learning-rate.png"}) {
      QImageReader reader(dir.filePath(name));
      QCOMPARE(reader.format(), QByteArray("png"));
      const QImage image = reader.read();
      QVERIFY2(!image.isNull(), name);
      QCOMPARE(image.size(), QSize(900, 520));  // hidden charts export at the default size
      QVERIFY(QFileInfo(dir.filePath(name)).size() > 1000);
    }
  }

  void levelLossesAreAveragedOverRecentBatchesAndPlottedBySigma() {
    TrainDashboard dashboard;
    dashboard.addLevelLosses(1, {NaN, 2.0, 4.0}, {1.0, 0.1, 0.01});
    dashboard.addLevelLosses(2, {1.0, NaN, 6.0}, {1.0, 0.1, 0.01});
    dashboard.flushPending();
    QCPGraph* graph = plotNamed(dashboard, "levelLossPlot")->graph(0);
    QCOMPARE(graph->dataCount(), 3);
    QCOMPARE(graph->data()->at(0)->key, 0.01);
    QCOMPARE(graph->data()->at(0)->value, 5.0);
    QCOMPARE(graph->data()->at(1)->value, 2.0);
    QCOMPARE(graph->data()->at(2)->value, 1.0);
  }

  void throughputLabels() {
    TrainDashboard dashboard;
    dashboard.setThroughput(12.5, 3723.0, 59.4);
    dashboard.flushPending();
    QCOMPARE(dashboard.findChild<QLabel*>("iterationsPerSecond")->text(), QString("12.5 it/s"));
    QCOMPARE(dashboard.findChild<QLabel*>("elapsed")->text(), QString("1:02:03"));
    QCOMPARE(dashboard.findChild<QLabel*>("remaining")->text(), QString("59 s"));
    auto* skipped = dashboard.findChild<QLabel*>("skippedSteps");
    QVERIFY(skipped->isHidden());  // no fp16 overflow, no row

    dashboard.setThroughput(12.5, 3724.0, 58.4, 1234);
    dashboard.flushPending();
    QVERIFY(!skipped->isHidden());
    QCOMPARE(skipped->text(), QLocale().toString(qint64(1234)));

    dashboard.setThroughput(0, 4.0, -1);  // no rate yet: no remaining time
    dashboard.flushPending();
    QCOMPARE(dashboard.findChild<QLabel*>("remaining")->text(), QString("—"));
  }

  // One format on every page: the Train page's times, the Sample page's and the status bar's ETA.
  void durationsReadAsOnAClock() {
    QCOMPARE(ncsn::durationText(42.4), QString("42 s"));
    QCOMPARE(ncsn::durationText(187.0), QString("3:07"));
    QCOMPARE(ncsn::durationText(3723.0), QString("1:02:03"));
    QCOMPARE(ncsn::durationText(-1), QString("—"));
    QCOMPARE(ncsn::durationText(std::nan("")), QString("—"));
    QCOMPARE(ncsn::durationText(INFINITY), QString("—"));
  }

  void doubleClickingACheckpointRequestsIt() {
    TrainDashboard dashboard;
    dashboard.resize(1200, 800);
    dashboard.checkpointWritten(10000, "/runs/a/checkpoint_10000.ncsn", 11.25);
    dashboard.checkpointWritten(5000, "/runs/a/checkpoint_5000.ncsn", NaN);
    dashboard.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dashboard));
    CheckpointList* list = dashboard.checkpointList();
    QCOMPARE(list->count(), 2);
    QCOMPARE(list->pathAt(0), QString("/runs/a/checkpoint_5000.ncsn"));  // kept in step order

    auto* table = list->findChild<QTableWidget*>("checkpointTable");
    QCOMPARE(table->item(1, 1)->text(), QString("11.25"));
    QVERIFY(table->isColumnHidden(3));  // the file: in the row's tooltip, not a column of its own
    QCOMPARE(table->item(1, 0)->toolTip(), QString("/runs/a/checkpoint_10000.ncsn"));
    QCOMPARE(table->horizontalScrollBarPolicy(), Qt::ScrollBarAlwaysOff);
    QSignalSpy requests(list, &CheckpointList::loadCheckpointRequested);
    const QPoint cell = table->visualItemRect(table->item(1, 0)).center();  // the step column
    // What a real double-click delivers: a click, then the double-click event.
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell);
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell);
    QCOMPARE(requests.count(), 1);
    QCOMPARE(requests.at(0).at(0).toString(), QString("/runs/a/checkpoint_10000.ncsn"));
  }

  void scoringFillsFdClsAndMarksTheBest() {
    CheckpointList list;
    auto* button = list.findChild<QPushButton*>("scoreButton");
    QVERIFY(!button->isEnabled());  // nothing to score yet
    list.addCheckpoint(500, "/runs/a/checkpoint_500.ncsn", 200.0);
    list.addCheckpoint(1000, "/runs/a/checkpoint_1000.ncsn", 150.0);
    QVERIFY(button->isEnabled());
    QSignalSpy requests(&list, &CheckpointList::scoreRequested);
    button->click();
    QCOMPARE(requests.count(), 1);
    QCOMPARE(requests.at(0).at(0).toStringList(), QStringList({"/runs/a/checkpoint_500.ncsn", "/runs/a/checkpoint_1000.ncsn"}));
    list.setScoring(true);
    QVERIFY(!button->isEnabled());

    list.setScore("/runs/a/checkpoint_500.ncsn", 80.5, "10 classes");
    list.setScore("/runs/a/checkpoint_1000.ncsn", 42.25, "10 classes");
    list.markBest("/runs/a/checkpoint_1000.ncsn");
    list.setScoring(false);
    auto* table = list.findChild<QTableWidget*>("checkpointTable");
    QCOMPARE(table->item(0, 2)->text(), QString("80.50"));
    QCOMPARE(table->item(1, 2)->text(), QString("★ 42.25"));
    QVERIFY(table->item(1, 0)->font().bold());
    QVERIFY(!table->item(0, 0)->font().bold());
    QCOMPARE(list.bestPath(), QString("/runs/a/checkpoint_1000.ncsn"));
    QVERIFY(button->isEnabled());
  }

  void eachCheckpointShowsTheLatestPreviewBeforeIt() {
    CheckpointList list;
    const QImage early = solidImage(Qt::red), late = solidImage(Qt::blue);
    list.addPreview(4000, early);
    list.addPreview(9000, late);
    QVERIFY(list.previewForStep(3999).isNull());
    QCOMPARE(list.previewForStep(5000), early);
    QCOMPARE(list.previewForStep(9000), late);
    QCOMPARE(list.previewForStep(10000), late);
  }

  void resetClearsEverything() {
    TrainDashboard dashboard;
    dashboard.addLossPoint(1, 3.0);
    dashboard.addHeldoutLoss(1, 4.0);
    dashboard.checkpointWritten(1, "/tmp/c.ncsn", 4.0);
    dashboard.flushPending();
    dashboard.reset();
    QCOMPARE(dashboard.history().losses().size(), 0);
    QCOMPARE(dashboard.history().heldoutLosses().size(), 0);
    QCOMPARE(plotNamed(dashboard, "lossPlot")->graph(0)->dataCount(), 0);
    QCOMPARE(dashboard.checkpointList()->count(), 0);
  }

  void exportFailuresSayWhyAndKeepThePreviousFile() {
    TrainDashboard dashboard;
    for (int step = 1; step <= 3; ++step) dashboard.addLossPoint(step, double(step));
    QTemporaryDir dir;
    const QString csv = dir.filePath("series.csv");
    dashboard.saveSeriesCsv(csv);
    const QStringList before = readLines(csv);
    for (int step = 4; step <= 400; ++step) dashboard.addLossPoint(step, double(step));
    {
      const ncsn::test::FileSizeLimit fullDisk(256);  // the short file fits, the long one does not
      const QString error = errorOf([&] { dashboard.saveSeriesCsv(csv); });
      QVERIFY2(error.startsWith("Could not write " + csv + ": ") && error.contains("too large"), qPrintable(error));
      const QString chartError = errorOf([&] { dashboard.saveChartsPng(dir.path()); });
      QVERIFY2(chartError.contains("training-loss.png: ") && chartError.contains("too large"), qPrintable(chartError));
    }
    QCOMPARE(readLines(csv), before);  // the failed write left the previous export whole
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"series.csv"});  // no temporary left behind

    const QString missing = dir.filePath("missing");
    QCOMPARE(errorOf([&] { dashboard.saveChartsPng(missing); }),
             "Could not write " + missing + "/training-loss.png: the folder " + missing + " does not exist.");
    QCOMPARE(errorOf([&] { dashboard.saveSeriesCsv(csv + "/x.csv"); }),
             "Could not write " + csv + "/x.csv: " + csv + " is not a folder.");
  }

  void exportChartsRemembersTheFolderAndAsksBeforeReplacing() {
    TrainDashboard dashboard;
    for (int step = 1; step <= 20; ++step) dashboard.addLossPoint(step, 1.0 / step);
    QAction* exportCharts = dashboard.exportActions().at(0);
    QTemporaryDir dir;
    const QString lossPng = dir.filePath("training-loss.png");
    QString openedIn;
    {
      QTemporaryDir deletedSince;  // a remembered folder that is gone must not get in the way
      QSettings().setValue("dialogs/lastSaveFolder", deletedSince.path());
    }

    answerDialogs(dir.path(), {}, &openedIn);
    exportCharts->trigger();
    for (const QString& name : TrainDashboard::chartFileNames()) QVERIFY2(!QImage(dir.filePath(name)).isNull(), qPrintable(name));

    QFile marker(lossPng);
    QVERIFY(marker.open(QIODevice::WriteOnly));
    marker.write("kept");
    marker.close();
    answerDialogs(dir.path(), {QMessageBox::Cancel}, &openedIn);
    exportCharts->trigger();
    QCOMPARE(openedIn, QDir(dir.path()).absolutePath());
    QVERIFY(QImage(lossPng).isNull());  // cancelled: the user's file is untouched

    answerDialogs(dir.path(), {QMessageBox::Yes}, &openedIn);
    exportCharts->trigger();
    QVERIFY(!QImage(lossPng).isNull());
  }

  void exportActionsHaveShortcuts() {
    TrainDashboard dashboard;
    const QList<QAction*> actions = dashboard.exportActions();
    QCOMPARE(actions.size(), 2);
    QCOMPARE(actions[0]->shortcut(), QKeySequence("Ctrl+E"));
    QCOMPARE(actions[1]->shortcut(), QKeySequence("Ctrl+Shift+E"));
  }
};

QTEST_MAIN(TestTrainDashboard)
#include "test_train_dashboard.moc"
