// The TensorBoard smoother against values worked out by hand.
#include <QtTest/QtTest>
#include <cmath>
#include <limits>

#include "debiased_ema_smoother.hpp"
#include "training_history.hpp"

class TestDebiasedEmaSmoother : public QObject {
  Q_OBJECT
 private slots:
  // w = 0.5, values 1, 2, 3:
  //   n=1: a = 0.5·0 + 0.5·1 = 0.5;      debias 1 − 0.5  = 0.5   → 1
  //   n=2: a = 0.5·0.5 + 0.5·2 = 1.25;   debias 1 − 0.25 = 0.75  → 5/3
  //   n=3: a = 0.5·1.25 + 0.5·3 = 2.125; debias 1 − 0.125 = 0.875 → 17/7
  void debiasesTheFirstPoints() {
    DebiasedEmaSmoother smoother(0.5);
    QCOMPARE(smoother.add(1.0), 1.0);
    QCOMPARE(smoother.add(2.0), 5.0 / 3.0);
    QCOMPARE(smoother.add(3.0), 17.0 / 7.0);
  }

  // A NaN passes through and does not count: the next point is n=4, a = 0.5·2.125 + 0.5·4
  // = 3.0625, debias 1 − 1/16 = 0.9375 → 49/15.
  void nonFiniteValuesPassThroughWithoutCounting() {
    DebiasedEmaSmoother smoother(0.5);
    for (double v : {1.0, 2.0, 3.0}) smoother.add(v);
    QVERIFY(std::isnan(smoother.add(std::numeric_limits<double>::quiet_NaN())));
    QCOMPARE(smoother.add(std::numeric_limits<double>::infinity()), std::numeric_limits<double>::infinity());
    QCOMPARE(smoother.add(4.0), 49.0 / 15.0);
  }

  void firstPointIsUnbiasedForAnyWeight() {
    for (double w : {0.0, 0.6, 0.9, 0.999}) {
      DebiasedEmaSmoother smoother(w);
      QCOMPARE(smoother.add(42.0), 42.0);
    }
  }

  void zeroWeightIsTheRawSeries() {
    const QVector<double> raw{3.0, -1.0, 8.5, 0.25};
    QCOMPARE(DebiasedEmaSmoother::smooth(raw, 0.0), raw);
  }

  void weightIsClampedToTheSliderRange() {
    QCOMPARE(DebiasedEmaSmoother(1.5).weight(), 0.999);
    QCOMPARE(DebiasedEmaSmoother(-0.2).weight(), 0.0);
  }

  void resetStartsAFreshAverage() {
    DebiasedEmaSmoother smoother(0.5);
    smoother.add(100.0);
    smoother.reset();
    QCOMPARE(smoother.add(1.0), 1.0);
    QCOMPARE(smoother.add(2.0), 5.0 / 3.0);
  }

  void historyResmoothsWithANewWeight() {
    TrainingHistory history(0.9);
    for (int i = 1; i <= 3; ++i) history.addLoss(i, double(i));
    history.setSmoothingWeight(0.5);
    QCOMPARE(history.smoothedLosses(), (QVector<double>{1.0, 5.0 / 3.0, 17.0 / 7.0}));
    QCOMPARE(history.addLoss(4, 4.0), (0.5 * 2.125 + 0.5 * 4.0) / 0.9375);
  }
};

QTEST_APPLESS_MAIN(TestDebiasedEmaSmoother)
#include "test_debiased_ema_smoother.moc"
