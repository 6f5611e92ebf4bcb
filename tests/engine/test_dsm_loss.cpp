// Denoising score matching against its closed form for Gaussian data.
//
// Data x ~ N(mu, s^2 I) in D dimensions, x~ = x + sigma z, and a linear score model
// s(x~) = -a (x~ - mu). With x - mu = s u, the per-dimension residual is
//   s(x~) + (x~ - x)/sigma^2 = -a s u + (1/sigma - a sigma) z,   E[residual^2] = a^2 s^2 + (1/sigma - a sigma)^2,
// so with lambda(sigma) = sigma^2 the expected per-example loss is
//   E = 1/2 sigma^2 D (a^2 s^2 + (1/sigma - a sigma)^2),
// minimised by the exact score of the perturbed density, a = 1/(s^2 + sigma^2), where E = D s^2 / (2 (s^2 + sigma^2)).
// The residuals are Gaussian, so the per-example loss is E * chi^2_D / D with variance 2 E^2 / D:
// the Monte-Carlo tolerance below is a number of standard errors of that.
#include <cmath>
#include <limits>

#include <QtTest/QtTest>

#include "ncsn/dsm_loss.hpp"
#include "ncsn/noise_schedule.hpp"
#include "test_support.hpp"

namespace {

constexpr double kMu = 0.4, kS = 0.3;
constexpr int64_t kD = 16;  // images of 1x4x4: the loss must sum over all pixel dimensions

double expected_loss(double a, double sigma, double power = 2.0) {
  const double r = 1.0 / sigma - a * sigma;
  return 0.5 * std::pow(sigma, power) * kD * (a * a * kS * kS + r * r);
}
double exact_a(double sigma) { return 1.0 / (kS * kS + sigma * sigma); }

// Standard error of a mean of n per-example losses with expectation e.
double standard_error(double e, int64_t n) { return e * std::sqrt(2.0 / kD) / std::sqrt(static_cast<double>(n)); }

torch::Tensor gaussian_data(int64_t n) { return kMu + kS * torch::randn({n, 1, 4, 4}, torch::kDouble); }

// a(sigma_i) per example: the exact perturbed score, or a fixed slope.
ncsn::ScoreFunction linear_score(const torch::Tensor& sigmas, std::function<double(double)> slope) {
  auto per_level = torch::empty_like(sigmas);
  for (int64_t i = 0; i < sigmas.size(0); ++i) per_level[i] = slope(sigmas[i].item<double>());
  return [per_level](const torch::Tensor& x, const torch::Tensor& labels) {
    return -per_level.index_select(0, labels).view({-1, 1, 1, 1}) * (x - kMu);
  };
}

}  // namespace

class TestDsmLoss : public QObject {
  Q_OBJECT
 private slots:
  // Tiny tensors gain nothing from threads, and OpenMP spin-waits badly on a busy 2-core machine.
  void initTestCase() { torch::set_num_threads(1); }
  void exactScoreGivesTheClosedFormAtEveryLevel() {
    torch::manual_seed(11);
    const auto sigmas = torch::tensor({1.0, 0.3, 0.05}, torch::kDouble);
    const auto score = linear_score(sigmas, exact_a);
    const int64_t n = 40000;
    for (int64_t level = 0; level < 3; ++level) {
      const double sigma = sigmas[level].item<double>();
      const auto labels = torch::full({n}, level, torch::kLong);
      const double got = ncsn::dsm_loss_per_example(score, gaussian_data(n), labels, sigmas).mean().item<double>();
      const double want = 0.5 * kD * kS * kS / (kS * kS + sigma * sigma);
      QVERIFY(std::abs(want - expected_loss(exact_a(sigma), sigma)) < 1e-12);  // the two forms agree
      const double tol = 5 * standard_error(want, n);
      QVERIFY2(std::abs(got - want) < tol,
               qPrintable(QString("sigma %1: got %2, closed form %3 (tol %4)").arg(sigma).arg(got).arg(want).arg(tol)));
    }
  }

  void wrongScoresGiveTheirLargerClosedForm() {
    torch::manual_seed(12);
    const auto sigmas = torch::tensor({0.5}, torch::kDouble);
    const double sigma = 0.5;
    const int64_t n = 40000;
    const auto labels = torch::zeros({n}, torch::kLong);
    const auto x = gaussian_data(n);
    const double best = expected_loss(exact_a(sigma), sigma);
    // Same data and the same noise (same seed) for every model, so the comparison is paired.
    auto loss_with = [&](double a) {
      torch::manual_seed(99);
      return ncsn::dsm_loss_per_example(linear_score(sigmas, [a](double) { return a; }), x, labels, sigmas)
          .mean()
          .item<double>();
    };
    const double at_best = loss_with(exact_a(sigma));
    for (double a : {0.0, 1.0 / (sigma * sigma), 0.5 * exact_a(sigma), 2.0 * exact_a(sigma)}) {
      const double want = expected_loss(a, sigma), got = loss_with(a);
      QVERIFY(want > best * 1.05);
      QVERIFY2(std::abs(got - want) < 6 * standard_error(want, n) + 0.02 * want,
               qPrintable(QString("a %1: got %2, closed form %3").arg(a).arg(got).arg(want)));
      QVERIFY2(got > at_best, qPrintable(QString("a %1: %2 is not above the exact score's %3").arg(a).arg(got).arg(at_best)));
    }
  }

  void annealPowerScalesBySigmaToThePower() {
    torch::manual_seed(13);
    const auto sigmas = torch::tensor({0.2}, torch::kDouble);
    const auto score = linear_score(sigmas, exact_a);
    const auto x = gaussian_data(64);
    const auto labels = torch::zeros({64}, torch::kLong);
    torch::manual_seed(5);
    const auto p2 = ncsn::dsm_loss_per_example(score, x, labels, sigmas, 2.0);
    torch::manual_seed(5);
    const auto p0 = ncsn::dsm_loss_per_example(score, x, labels, sigmas, 0.0);
    QVERIFY(p2.sizes() == (std::vector<int64_t>{64}));
    QVERIFY(ncsn::test::max_abs_diff(p2, p0 * 0.04) < 1e-12);
  }

  void trainingObjectiveAveragesOverUniformLevels() {
    // dsm_loss draws a level per example uniformly: its mean is the average of the levels' closed forms.
    torch::manual_seed(14);
    const auto sigmas = ncsn::geometric_sigmas(1.0, 0.01, 10).to(torch::kDouble);
    const auto score = linear_score(sigmas, exact_a);
    const int64_t n = 100000;
    double want = 0, var_sum = 0;
    for (int64_t i = 0; i < 10; ++i) {
      const double e = expected_loss(exact_a(sigmas[i].item<double>()), sigmas[i].item<double>());
      want += e / 10;
      var_sum += e * e;
    }
    // Per-example variance: within-level chi^2 spread plus the spread between the levels' means.
    const double var = 2.0 / kD * var_sum / 10 + (var_sum / 10 - want * want);
    const double got = ncsn::dsm_loss(score, gaussian_data(n), sigmas).item<double>();
    const double tol = 5 * std::sqrt(var / n);
    QVERIFY2(std::abs(got - want) < tol, qPrintable(QString("got %1, want %2 (tol %3)").arg(got).arg(want).arg(tol)));
  }

  void perLevelMeansGroupByLevel() {
    const auto per_example = torch::tensor({1.0, 2.0, 3.0, 10.0, 20.0}, torch::kFloat);
    const auto labels = torch::tensor({0, 0, 0, 2, 2}, torch::kLong);
    const auto means = ncsn::per_level_mean(per_example, labels, 4);
    QVERIFY(means.sizes() == (std::vector<int64_t>{4}));
    QCOMPARE(means[0].item<double>(), 2.0);
    QVERIFY(std::isnan(means[1].item<double>()));  // absent levels are NaN, not 0
    QCOMPARE(means[2].item<double>(), 15.0);
    QVERIFY(std::isnan(means[3].item<double>()));
  }

  void perLevelMeansOfTheLossMatchTheClosedForms() {
    torch::manual_seed(15);
    const auto sigmas = torch::tensor({1.0, 0.1}, torch::kDouble);
    const auto score = linear_score(sigmas, exact_a);
    const int64_t n = 40000;
    const auto labels = torch::randint(2, {n}, torch::kLong);
    const auto means = ncsn::per_level_mean(ncsn::dsm_loss_per_example(score, gaussian_data(n), labels, sigmas), labels, 2);
    for (int64_t i = 0; i < 2; ++i) {
      const double sigma = sigmas[i].item<double>(), want = expected_loss(exact_a(sigma), sigma);
      const int64_t count = (labels == i).sum().item<int64_t>();
      QVERIFY2(std::abs(means[i].item<double>() - want) < 5 * standard_error(want, count),
               qPrintable(QString("level %1: %2 vs %3").arg(i).arg(means[i].item<double>()).arg(want)));
    }
  }

  void gradientFlowsToTheModelOnly() {
    // The target must be a constant: the gradient with respect to a score parameter is
    // sigma^2 * residual * d score, nothing flows through the noise.
    torch::manual_seed(16);
    const auto sigmas = torch::tensor({0.5}, torch::kFloat);
    auto a = torch::tensor(1.0f, torch::requires_grad());
    ncsn::ScoreFunction score = [&](const torch::Tensor& x, const torch::Tensor&) { return -a * (x - kMu); };
    const auto x = (kMu + kS * torch::randn({8, 1, 4, 4})).requires_grad_(false);
    const auto labels = torch::zeros({8}, torch::kLong);
    torch::manual_seed(3);
    auto loss = ncsn::dsm_loss_per_example(score, x, labels, sigmas).mean();
    loss.backward();
    torch::manual_seed(3);
    const auto z = torch::randn_like(x) * 0.5;  // the same noise the loss drew
    const auto xt = x + z;
    const auto residual = -1.0 * (xt - kMu) + z / 0.25;
    const double want = (0.25 * (residual * -(xt - kMu)).flatten(1).sum(1)).mean().item<double>();
    QVERIFY2(std::abs(a.grad().item<double>() - want) < 1e-3 * std::abs(want),
             qPrintable(QString("%1 vs %2").arg(a.grad().item<double>()).arg(want)));
  }
};

QTEST_APPLESS_MAIN(TestDsmLoss)
#include "test_dsm_loss.moc"
