// The train settings form turns its widgets into a TrainSettings and emits the run requests.
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QtTest/QtTest>

#include "train_settings_form.hpp"

namespace {

template <typename T>
T* child(const QWidget& parent, const char* name) {
  T* widget = parent.findChild<T*>(name);
  if (!widget) qFatal("no child named %s", name);
  return widget;
}

}  // namespace

class TestTrainSettingsForm : public QObject {
  Q_OBJECT
 private slots:
  void startsWithThePapersDefaults() {
    TrainSettingsForm form;
    QCOMPARE(form.settings(), TrainSettings{});
    QVERIFY(child<QPushButton>(form, "startButton")->isEnabled());
  }

  void settingsComeFromTheWidgets() {
    TrainSettingsForm form;
    form.setDatasetPath("/data/cifar10");
    child<QSpinBox>(form, "ngf")->setValue(128);
    child<QSpinBox>(form, "numLevels")->setValue(232);
    child<QDoubleSpinBox>(form, "sigmaBegin")->setValue(50.0);
    child<QDoubleSpinBox>(form, "sigmaEnd")->setValue(0.01);
    child<QSpinBox>(form, "batchSize")->setValue(64);
    child<QSpinBox>(form, "accumulateParts")->setValue(4);
    auto* precision = child<QComboBox>(form, "mixedPrecision");
    precision->setCurrentIndex(precision->findData("bf16"));
    child<QDoubleSpinBox>(form, "learningRate")->setValue(0.0002);
    child<QSpinBox>(form, "iterations")->setValue(300000);
    child<QSpinBox>(form, "checkpointInterval")->setValue(2500);
    child<QLineEdit>(form, "checkpointFolder")->setText("/runs/cifar");
    child<QCheckBox>(form, "emaEnabled")->setChecked(true);
    child<QDoubleSpinBox>(form, "emaRate")->setValue(0.9999);
    child<QSpinBox>(form, "seed")->setValue(7);
    child<QCheckBox>(form, "rollbackOnNan")->setChecked(false);
    child<QCheckBox>(form, "continueOnWriteError")->setChecked(false);

    const TrainSettings s = form.settings();
    QCOMPARE(s.datasetPath, QString("/data/cifar10"));
    QCOMPARE(s.ngf, 128);
    QCOMPARE(s.numLevels, 232);
    QCOMPARE(s.sigmaBegin, 50.0);
    QCOMPARE(s.sigmaEnd, 0.01);
    QCOMPARE(s.batchSize, 64);
    QCOMPARE(s.accumulateParts, 4);
    QCOMPARE(s.mixedPrecision, QString("bf16"));
    QCOMPARE(s.learningRate, 0.0002);
    QCOMPARE(s.iterations, qint64(300000));
    QCOMPARE(s.checkpointInterval, qint64(2500));
    QCOMPARE(s.checkpointFolder, QString("/runs/cifar"));
    QVERIFY(s.emaEnabled);
    QCOMPARE(s.emaRate, 0.9999);
    QCOMPARE(s.seed, quint64(7));
    QVERIFY(!s.rollbackOnNan);
    QVERIFY(!s.continueOnWriteError);
  }

  void setSettingsRoundTrips() {
    TrainSettings s;
    s.ngf = 32;
    s.numLevels = 4;
    s.sigmaBegin = 2.0;
    s.sigmaEnd = 0.05;
    s.emaEnabled = true;
    s.emaRate = 0.995;
    s.checkpointFolder = "/tmp/run";
    s.rollbackOnNan = false;
    s.mixedPrecision = "fp16";
    TrainSettingsForm form;
    form.setSettings(s);
    QCOMPARE(form.settings(), s);
    QVERIFY(child<QDoubleSpinBox>(form, "emaRate")->isEnabled());
  }

  void startEmitsTheSettings() {
    TrainSettingsForm form;
    child<QSpinBox>(form, "batchSize")->setValue(32);
    QSignalSpy starts(&form, &TrainSettingsForm::startRequested);
    QTest::mouseClick(child<QPushButton>(form, "startButton"), Qt::LeftButton);
    QCOMPARE(starts.count(), 1);
    QCOMPARE(starts.at(0).at(0).value<TrainSettings>().batchSize, 32);
  }

  void unevenGradientPartsBlockStartWithAMessage() {
    TrainSettingsForm form;
    child<QSpinBox>(form, "batchSize")->setValue(128);
    child<QSpinBox>(form, "accumulateParts")->setValue(3);
    emit child<QSpinBox>(form, "accumulateParts")->editingFinished();
    QVERIFY(!child<QPushButton>(form, "startButton")->isEnabled());
    QVERIFY(child<QLabel>(form, "validationMessage")->text().contains("multiple"));
    child<QSpinBox>(form, "accumulateParts")->setValue(4);
    emit child<QSpinBox>(form, "accumulateParts")->editingFinished();
    QVERIFY(child<QPushButton>(form, "startButton")->isEnabled());
  }

  void invalidSigmasBlockStartWithAMessage() {
    TrainSettingsForm form;
    child<QDoubleSpinBox>(form, "sigmaEnd")->setValue(2.0);  // above sigma_1 = 1
    QVERIFY(!child<QPushButton>(form, "startButton")->isEnabled());
    QVERIFY(!child<QLabel>(form, "validationMessage")->text().isEmpty());
    child<QDoubleSpinBox>(form, "sigmaEnd")->setValue(0.5);
    QVERIFY(child<QPushButton>(form, "startButton")->isEnabled());
  }

  void runStateEnablesTheMatchingControls() {
    TrainSettingsForm form;
    QSignalSpy pauses(&form, &TrainSettingsForm::pauseRequested);
    QSignalSpy resumes(&form, &TrainSettingsForm::resumeRequested);
    QSignalSpy stops(&form, &TrainSettingsForm::stopRequested);
    auto* start = child<QPushButton>(form, "startButton");
    auto* pause = child<QPushButton>(form, "pauseButton");
    auto* resume = child<QPushButton>(form, "resumeButton");
    auto* stop = child<QPushButton>(form, "stopButton");

    QVERIFY(!pause->isEnabled() && !resume->isEnabled() && !stop->isEnabled());
    form.setRunState(TrainSettingsForm::RunState::Running);
    QVERIFY(!start->isEnabled() && pause->isEnabled() && !resume->isEnabled() && stop->isEnabled());
    QVERIFY(!child<QSpinBox>(form, "ngf")->isEnabled());  // a running job's settings are fixed
    QTest::mouseClick(pause, Qt::LeftButton);
    form.setRunState(TrainSettingsForm::RunState::Paused);
    QVERIFY(!pause->isEnabled() && resume->isEnabled());
    QTest::mouseClick(resume, Qt::LeftButton);
    QTest::mouseClick(stop, Qt::LeftButton);
    QCOMPARE(pauses.count(), 1);
    QCOMPARE(resumes.count(), 1);
    QCOMPARE(stops.count(), 1);
    form.setRunState(TrainSettingsForm::RunState::Idle);
    QVERIFY(start->isEnabled() && child<QSpinBox>(form, "ngf")->isEnabled());
  }
};

QTEST_MAIN(TestTrainSettingsForm)
#include "test_train_settings_form.moc"
