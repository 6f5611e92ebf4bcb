// Sliced score matching: Monte Carlo estimates against the closed-form score-matching objective
// E[1/2 ||s||^2 + tr(ds/dx)], gradients to parameters, and a short toy MLP training run.
#include <cmath>
#include <numeric>
#include <vector>

#include <QtTest/QtTest>

#include "ncsn/errors.hpp"
#include "ncsn/sliced_score_matching.hpp"
#include "ncsn/toy2d.hpp"

namespace {

using Score = std::function<torch::Tensor(const torch::Tensor&)>;

// s(x) = x A^T: closed-form objective per sample is 1/2 ||x A^T||^2 + tr(A).
Score linear_score(const torch::Tensor& a) {
  return [a](const torch::Tensor& x) { return x.matmul(a.t()); };
}
double closed_form(const torch::Tensor& a, const torch::Tensor& x) {
  return (0.5 * x.matmul(a.t()).pow(2).sum(1).mean() + a.trace()).item<double>();
}

}  // namespace

class TestSlicedScoreMatching : public QObject {
  Q_OBJECT
 private slots:
  void vrEstimateMatchesClosedFormAndPrefersTheTrueScore() {
    torch::manual_seed(10);
    const auto x = torch::randn({40000, 2}, torch::kDouble);
    const auto truth = -torch::eye(2, torch::kDouble), wrong = -2 * torch::eye(2, torch::kDouble);
    const double l_true = ncsn::sliced_score_matching_vr(linear_score(truth), x).item<double>();
    const double l_wrong = ncsn::sliced_score_matching_vr(linear_score(wrong), x).item<double>();
    qInfo("SSM-VR: s=-x %.4f (closed form %.4f), s=-2x %.4f (closed form %.4f)", l_true, closed_form(truth, x),
          l_wrong, closed_form(wrong, x));
    // Only the projections are random: std ~0.01 and ~0.02 here.
    QVERIFY(std::abs(l_true - closed_form(truth, x)) < 0.06);
    QVERIFY(std::abs(l_wrong - closed_form(wrong, x)) < 0.1);
    QVERIFY(std::abs(l_true - (-1.0)) < 0.1);  // population values: -1 and 0
    QVERIFY(std::abs(l_wrong) < 0.2);
    QVERIFY(l_true < l_wrong - 0.5);
  }
  void vrEstimateHandlesNonSymmetricJacobiansAndParticles() {
    torch::manual_seed(11);
    const auto x = torch::randn({10000, 2}, torch::kDouble);
    const auto a = torch::tensor({-1.0, 2.0, 0.5, -3.0}, torch::kDouble).view({2, 2});
    const double loss = ncsn::sliced_score_matching_vr(linear_score(a), x, /*n_particles=*/4).item<double>();
    QVERIFY2(std::abs(loss - closed_form(a, x)) < 0.15,
             qPrintable(QString("loss %1, closed form %2").arg(loss).arg(closed_form(a, x))));
  }
  void plainSsmIsTheObjectiveOverDimension() {
    // Unit projections in D dimensions: E[v v^T] = I / D, so plain SSM estimates J / D.
    torch::manual_seed(12);
    const auto x = torch::randn({40000, 2}, torch::kDouble);
    const auto a = torch::tensor({-1.0, 2.0, 0.5, -3.0}, torch::kDouble).view({2, 2});
    const double loss = ncsn::sliced_score_matching(linear_score(a), x).item<double>();
    QVERIFY2(std::abs(loss - closed_form(a, x) / 2.0) < 0.1,
             qPrintable(QString("loss %1, closed form / 2 = %2").arg(loss).arg(closed_form(a, x) / 2.0)));
  }
  void gradientReachesParametersThroughTheJacobianTerm() {
    // s(x) = -c x on N(0, I_2): J(c) = c^2 - 2c, dJ/dc = 2c - 2 = 2 at c = 2. Without
    // create_graph the trace term would drop out and the gradient would read 4.
    torch::manual_seed(13);
    auto c = torch::full({}, 2.0, torch::kDouble).requires_grad_(true);
    const auto x = torch::randn({40000, 2}, torch::kDouble);
    ncsn::sliced_score_matching_vr([&](const torch::Tensor& y) { return -c * y; }, x).backward();
    QVERIFY2(std::abs(c.grad().item<double>() - 2.0) < 0.15, qPrintable(QString::number(c.grad().item<double>())));
  }
  void everyMlpParameterGetsAGradient() {
    torch::manual_seed(14);
    ncsn::ToyScoreMlp mlp;
    const auto x = torch::randn({32, 2});
    for (bool vr : {true, false}) {
      mlp->zero_grad();
      const auto f = [&](const torch::Tensor& y) { return mlp->forward(y); };
      (vr ? ncsn::sliced_score_matching_vr(f, x) : ncsn::sliced_score_matching(f, x)).backward();
      for (const auto& p : mlp->named_parameters())
        QVERIFY2(p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0, p.key().c_str());
    }
  }
  void rejectsBadInputs() {
    const auto x = torch::randn({8, 2});
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::sliced_score_matching_vr([](const torch::Tensor& y) { return y; }, x, 0));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError,
                             ncsn::sliced_score_matching([](const torch::Tensor& y) { return y.sum(1); }, x));
  }
  void shortMlpTrainingLearnsTheScoreNearTheUpperMode() {
    const ncsn::GaussianMixture2D gmm;
    torch::manual_seed(15);
    ncsn::ToyScoreMlp mlp;
    ncsn::ToyTrainOptions options;
    options.iterations = 500;
    options.seed = 15;
    std::vector<double> losses;
    ncsn::train_toy_score_mlp(mlp, gmm, options, [&](int64_t, double loss) {
      losses.push_back(loss);
      return true;
    });
    QCOMPARE(int64_t(losses.size()), options.iterations);
    const auto mean_of = [&](size_t from, size_t to) {
      return std::accumulate(losses.begin() + from, losses.begin() + to, 0.0) / double(to - from);
    };
    const double early = mean_of(0, 20), late = mean_of(losses.size() - 50, losses.size());
    qInfo("SSM loss: first 20 steps %.3f, last 50 steps %.3f", early, late);
    QVERIFY(late < early - 0.5);

    torch::NoGradGuard no_grad;
    const auto probes = torch::tensor({4.0, 4.0, 6.0, 6.0}).view({2, 2});
    const auto learned = mlp->forward(probes), truth = gmm.score(probes);
    qInfo("learned score at (4,4) (%.2f, %.2f), at (6,6) (%.2f, %.2f)", learned[0][0].item<double>(),
          learned[0][1].item<double>(), learned[1][0].item<double>(), learned[1][1].item<double>());
    QVERIFY(torch::equal(learned.sign(), truth.sign()));
  }
  void trainingCanStopEarly() {
    torch::manual_seed(16);
    ncsn::ToyScoreMlp mlp(16);
    ncsn::ToyTrainOptions options;
    options.iterations = 100;
    int64_t calls = 0;
    ncsn::train_toy_score_mlp(mlp, ncsn::GaussianMixture2D(), options, [&](int64_t step, double) {
      ++calls;
      return step < 4;
    });
    QCOMPARE(calls, int64_t(5));
  }
};

QTEST_APPLESS_MAIN(TestSlicedScoreMatching)
#include "test_sliced_score_matching.moc"
