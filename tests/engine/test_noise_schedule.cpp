// Noise schedule: geometric levels exactly as the reference computes them.
#include <cmath>

#include <QtTest/QtTest>

#include "ncsn/errors.hpp"
#include "ncsn/noise_schedule.hpp"

class TestNoiseSchedule : public QObject {
  Q_OBJECT
 private slots:
  void imageDefaultsAreGeometricFromOneToOneHundredth() {
    auto s = ncsn::geometric_sigmas(1.0, 0.01, 10);
    QCOMPARE(s.size(0), 10);
    QCOMPARE(s.dtype(), torch::kFloat);
    QVERIFY(std::abs(s[0].item<float>() - 1.0f) < 1e-7);
    QVERIFY(std::abs(s[9].item<float>() - 0.01f) < 1e-8);
    // Constant ratio (0.01)^(1/9) between neighbours.
    const double ratio = std::pow(0.01, 1.0 / 9.0);
    for (int i = 1; i < 10; ++i)
      QVERIFY(std::abs(s[i].item<double>() / s[i - 1].item<double>() - ratio) < 1e-6);
  }
  void toyScheduleRunsFromTwentyToOne() {
    auto s = ncsn::geometric_sigmas(20.0, 1.0, 10);
    QVERIFY(std::abs(s[0].item<double>() - 20.0) < 1e-5);
    QVERIFY(std::abs(s[9].item<double>() - 1.0) < 1e-6);
  }
  void rejectsNonPositiveLevels() {
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::geometric_sigmas(0.0, 0.01, 10));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::geometric_sigmas(1.0, 0.01, 0));
  }
};

QTEST_APPLESS_MAIN(TestNoiseSchedule)
#include "test_noise_schedule.moc"
