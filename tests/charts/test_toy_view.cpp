// The toy 2-D view: score-field agreement worked out by hand, and the view's data slots and
// requests.
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QtTest/QtTest>
#include <cmath>
#include <qcustomplot.h>

#include "score_field_agreement.hpp"
#include "score_field_plot.hpp"
#include "toy_view.hpp"

namespace {

const GridExtent kTwoByThree{2, 3, 0.0, 2.0, 0.0, 3.0};

// Cell by cell (row-major, row 0 at the bottom), with the cosine of each pair:
//   (1,0)  vs (2,0)    cos 1      agrees
//   (0,1)  vs (1,0)    cos 0      no
//   (1,1)  vs (1,0.5)  cos 1.5/√2.5 = 0.9487  agrees
//   (0,0)  vs (1,0)    no direction          no
//   (-1,0) vs (1,0)    cos -1     no
//   (0,-3) vs (2,-3)   cos 9/(3·√13) = 0.8321 no
VectorGrid handMadeTruth() { return {kTwoByThree, {{1, 0}, {0, 1}, {1, 1}, {0, 0}, {-1, 0}, {0, -3}}}; }
VectorGrid handMadeLearned() { return {kTwoByThree, {{2, 0}, {1, 0}, {1, 0.5}, {1, 0}, {1, 0}, {2, -3}}}; }

}  // namespace

class TestToyView : public QObject {
  Q_OBJECT
 private slots:
  void agreementOfAHandMadeFieldPair() {
    const ScoreFieldAgreement agreement = compareScoreFields(handMadeTruth(), handMadeLearned());
    QCOMPARE(agreement.agrees, (QVector<bool>{true, false, true, false, false, false}));
    QCOMPARE(agreement.fraction, 2.0 / 6.0);
  }

  void thresholdIsStrict() {
    // cos = 0.9487: agrees above 0.9, not above 0.95.
    const VectorGrid truth{{1, 1, 0, 1, 0, 1}, {{1, 1}}}, learned{{1, 1, 0, 1, 0, 1}, {{1, 0.5}}};
    QCOMPARE(compareScoreFields(truth, learned, 0.9).fraction, 1.0);
    QCOMPARE(compareScoreFields(truth, learned, 0.95).fraction, 0.0);
  }

  void fieldsOnDifferentGridsAreNotCompared() {
    VectorGrid learned = handMadeLearned();
    learned.extent.xMax = 4.0;
    QVERIFY(std::isnan(compareScoreFields(handMadeTruth(), learned).fraction));
    learned = handMadeLearned();
    learned.vectors.removeLast();
    QVERIFY(std::isnan(compareScoreFields(handMadeTruth(), learned).fraction));
  }

  void viewComparesTheFieldsItIsGiven() {
    ToyView view;
    QVERIFY(std::isnan(view.agreementFraction()));
    view.setTrueScoreField(handMadeTruth());
    QVERIFY(std::isnan(view.agreementFraction()));
    view.setLearnedScoreField(handMadeLearned());
    QCOMPARE(view.agreementFraction(), 1.0 / 3.0);
    QVERIFY(view.findChild<QLabel*>("agreementLabel")->text().contains("33.3 %"));
    QCOMPARE(view.findChild<ScoreFieldPlot*>("trueScorePlot")->arrowCount(), 5);  // (0,0) has no arrow
    QCOMPARE(view.findChild<ScoreFieldPlot*>("learnedScorePlot")->arrowCount(), 6);
  }

  void densityFillsBothHeatMaps() {
    ToyView view;
    ScalarGrid density{{3, 2, -3.0, 3.0, -2.0, 2.0}, {0.0, 0.1, 0.2, 0.3, 0.4, 0.5}};
    view.setDensity(density);
    for (const char* name : {"trueScorePlot", "learnedScorePlot"}) {
      auto* map = qobject_cast<QCPColorMap*>(view.findChild<QCustomPlot*>(name)->plottable(0));
      QVERIFY(map);
      QCOMPARE(map->data()->keySize(), 3);
      QCOMPARE(map->data()->valueSize(), 2);
      QCOMPARE(map->data()->cell(2, 1), 0.5);  // column 2, row 1 = index 5
      QCOMPARE(map->data()->keyRange().lower, -2.0);  // centre of the first column
    }
  }

  void samplesAreDrawnAndTitledWithTheirModeWeight() {
    ToyView view;
    const QVector<QPointF> samples{{5, 5}, {4.5, 5.2}, {-5, -5}};
    view.setSamples(ToyView::Sampler::AnnealedLangevin, samples, 2.0 / 3.0);
    auto* plot = view.findChild<QCustomPlot*>("annealedSamplesPlot");
    QCOMPARE(plot->graph(0)->dataCount(), 3);
    auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0));
    QVERIFY(title->text().contains("Annealed Langevin dynamics"));
    QVERIFY(title->text().contains("0.67"));
  }

  void trainAndSampleRequests() {
    ToyView view;
    QSignalSpy trains(&view, &ToyView::trainRequested);
    QSignalSpy samples(&view, &ToyView::sampleRequested);
    view.findChild<QSpinBox*>("trainIterations")->setValue(2000);
    auto* train = view.findChild<QPushButton*>("trainButton");
    QTest::mouseClick(train, Qt::LeftButton);
    QCOMPARE(trains.count(), 1);
    QCOMPARE(trains.at(0).at(0).toInt(), 2000);
    QVERIFY(!train->isEnabled());  // one training at a time
    view.setTrainingProgress(500, 1.25);
    QCOMPARE(view.findChild<QProgressBar*>("trainProgress")->value(), 500);
    QCOMPARE(view.findChild<QProgressBar*>("trainProgress")->maximum(), 2000);
    QCOMPARE(view.findChild<QLabel*>("trainLoss")->text(), QString("loss 1.25"));
    view.trainingFinished();
    QVERIFY(train->isEnabled());

    view.findChild<QSpinBox*>("seed")->setValue(42);
    QTest::mouseClick(view.findChild<QPushButton*>("sampleButton"), Qt::LeftButton);
    QCOMPARE(samples.count(), 1);
    QCOMPARE(samples.at(0).at(0).toULongLong(), 42ull);
  }
};

QTEST_MAIN(TestToyView)
#include "test_toy_view.moc"
