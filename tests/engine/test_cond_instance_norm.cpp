// CondInstanceNorm++ (paper appendix A.1) against a hand computation in plain loops, with the
// reference's conventions: biased variance inside a channel, unbiased variance of the channel
// means, eps 1e-5 in both square roots, embedding rows laid out gamma | alpha | beta.
#include <cmath>
#include <limits>
#include <vector>

#include <QtTest/QtTest>

#include "ncsn/cond_instance_norm_pp.hpp"
#include "ncsn/cond_instance_norm_pp_cpu.hpp"
#include "test_support.hpp"

namespace {

struct Options {
  bool unbiased_instance_var = false;  // deliberately wrong variants, to show the check can fail
  bool biased_means_var = false;
};

// out[n,k] = gamma * ((x - mu_k)/sqrt(var_k + eps) + alpha * (mu_k - m)/sqrt(v + eps)) + beta
torch::Tensor by_hand(const torch::Tensor& x_in, const torch::Tensor& embed_in, const std::vector<int64_t>& labels,
                      Options o = {}) {
  const double eps = 1e-5;
  const auto x = x_in.to(torch::kDouble).contiguous();
  const auto embed = embed_in.to(torch::kDouble).contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), HW = H * W;
  auto out = torch::empty_like(x);
  auto X = x.accessor<double, 4>();
  auto E = embed.accessor<double, 2>();
  auto O = out.accessor<double, 4>();
  for (int64_t n = 0; n < N; ++n) {
    std::vector<double> mu(C), var(C);
    for (int64_t k = 0; k < C; ++k) {
      double s = 0;
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) s += X[n][k][i][j];
      mu[k] = s / HW;
      double q = 0;
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) q += (X[n][k][i][j] - mu[k]) * (X[n][k][i][j] - mu[k]);
      var[k] = q / (o.unbiased_instance_var ? HW - 1 : HW);
    }
    double m = 0;
    for (double v : mu) m += v;
    m /= C;
    double v = 0;
    for (double u : mu) v += (u - m) * (u - m);
    v /= (o.biased_means_var ? C : C - 1);
    const int64_t y = labels[n];
    for (int64_t k = 0; k < C; ++k) {
      const double gamma = E[y][k], alpha = E[y][C + k], beta = E[y][2 * C + k];
      const double mean_term = alpha * (mu[k] - m) / std::sqrt(v + eps);
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j)
          O[n][k][i][j] = gamma * ((X[n][k][i][j] - mu[k]) / std::sqrt(var[k] + eps) + mean_term) + beta;
    }
  }
  return out;
}

// A layer whose gamma, alpha and beta all differ from their initial values and between levels.
ncsn::CondInstanceNormPP randomized_layer(int64_t C, int64_t L) {
  ncsn::CondInstanceNormPP norm(C, L);
  torch::NoGradGuard no_grad;
  norm->embed->weight.copy_(torch::randn({L, 3 * C}) * 0.7 + 0.3);
  return norm;
}

// Channels with clearly different means and spreads, so the mean-of-means term matters.
torch::Tensor test_input(int64_t N, int64_t C, int64_t H, int64_t W) {
  auto offsets = torch::linspace(-2.0, 3.0, C).view({1, C, 1, 1});
  auto scales = torch::linspace(0.2, 2.0, C).view({1, C, 1, 1});
  return torch::randn({N, C, H, W}) * scales + offsets;
}

// The builds of the kernel's loops this CPU can run.
std::vector<ncsn::CpuVectorIsa> available_isas() {
  std::vector<ncsn::CpuVectorIsa> isas{ncsn::CpuVectorIsa::Baseline};
  if (ncsn::best_cpu_vector_isa() != ncsn::CpuVectorIsa::Baseline) isas.push_back(ncsn::best_cpu_vector_isa());
  return isas;
}

}  // namespace

class TestCondInstanceNorm : public QObject {
  Q_OBJECT
 private slots:
  // Tiny tensors gain nothing from threads, and OpenMP spin-waits badly on a busy 2-core machine.
  void initTestCase() { torch::set_num_threads(1); }
  void matchesTheHandComputation() {
    torch::manual_seed(3);
    const int64_t C = 5, L = 4;
    auto norm = randomized_layer(C, L);
    const auto x = test_input(3, C, 4, 3);  // small H*W: biased and unbiased variances differ by 9%
    const std::vector<int64_t> y{2, 0, 3};
    const auto out = norm->forward(x, torch::tensor(y, torch::kLong));
    const auto expected = by_hand(x, norm->embed->weight.detach(), y);
    QVERIFY(out.sizes() == x.sizes());
    const double diff = ncsn::test::max_abs_diff(out, expected);
    QVERIFY2(diff < 1e-4, qPrintable(QString("max diff %1").arg(diff)));
  }

  // Under mixed precision the statistics stay float32: float16 input whose squares overflow
  // float16 (|x| ~ 1000) still normalises, and the output keeps the input's type.
  void reducedPrecisionInputKeepsFloat32Statistics() {
    torch::manual_seed(4);
    const int64_t C = 3, L = 2;
    auto norm = randomized_layer(C, L);
    const std::vector<int64_t> y{1, 0};
    const auto labels = torch::tensor(y, torch::kLong);
    for (auto type : {torch::kHalf, torch::kBFloat16}) {
      const auto x = (test_input(2, C, 6, 6) * 1000.0).to(type);
      torch::NoGradGuard no_grad;
      const auto out = norm->forward(x, labels);
      QCOMPARE(out.scalar_type(), type);
      const auto expected = by_hand(x.to(torch::kFloat), norm->embed->weight.detach(), y);
      const double diff = ncsn::test::max_abs_diff(out.to(torch::kFloat), expected);
      const double largest = expected.abs().max().item<double>();
      // Only the output's rounding: 2^-11 (half) or 2^-8 (bfloat16) of its size.
      QVERIFY2(diff <= 8e-3 * largest, qPrintable(QString("max diff %1 of %2").arg(diff).arg(largest)));
    }
  }

  void theConventionsAreDistinguishable() {
    // The same comparison fails for the other variance conventions: the test above can fail.
    torch::manual_seed(4);
    auto norm = randomized_layer(4, 2);
    const auto x = test_input(2, 4, 3, 3);
    const std::vector<int64_t> y{0, 1};
    const auto out = norm->forward(x, torch::tensor(y, torch::kLong));
    const auto w = norm->embed->weight.detach();
    QVERIFY(ncsn::test::max_abs_diff(out, by_hand(x, w, y, {true, false})) > 1e-2);
    QVERIFY(ncsn::test::max_abs_diff(out, by_hand(x, w, y, {false, true})) > 1e-2);
  }

  void eachExampleUsesTheRowOfItsOwnLevel() {
    torch::manual_seed(5);
    const int64_t C = 3, L = 3;
    auto norm = randomized_layer(C, L);
    const auto x = test_input(1, C, 6, 6).expand({3, C, 6, 6}).contiguous();
    const auto out = norm->forward(x, torch::tensor({0, 1, 2}, torch::kLong));
    QVERIFY(ncsn::test::max_abs_diff(out[0], out[1]) > 1e-3);
    QVERIFY(ncsn::test::max_abs_diff(out[1], out[2]) > 1e-3);
    for (int64_t level = 0; level < L; ++level) {
      const auto single = norm->forward(x.narrow(0, level, 1), torch::tensor({level}, torch::kLong));
      QVERIFY(ncsn::test::max_abs_diff(single[0], out[level]) < 1e-5);
    }
  }

  // CPU inference (no autograd, channels-last float32) runs the one-kernel version, whichever
  // build of its loops this CPU can run: the same hand computation for one image split into blocks
  // across two threads, for batches, for channel counts that use every tile width of its sums
  // (45 = 32 + 8 + 5), and for small images (whose 16 pixels make the wrong variance convention
  // show). With the ELU fused, the hand computation passed through ELU.
  void inferenceKernelMatchesTheHandComputation() {
    torch::manual_seed(9);
    torch::set_num_threads(2);
    struct Case {
      int64_t images, channels, size;
    };
    for (const auto isa : available_isas()) {
      for (const Case c : {Case{1, 128, 32}, Case{1, 5, 4}, Case{3, 64, 9}, Case{2, 5, 4}, Case{16, 45, 7}}) {
        auto norm = randomized_layer(c.channels, 4);
        const auto x = test_input(c.images, c.channels, c.size, c.size).contiguous(torch::MemoryFormat::ChannelsLast);
        std::vector<int64_t> y;
        for (int64_t n = 0; n < c.images; ++n) y.push_back((3 * n + 1) % 4);
        torch::NoGradGuard no_grad;
        const auto w = norm->embed->weight;
        QVERIFY(ncsn::cond_instance_norm_pp_cpu_takes(x, w));
        QCOMPARE(ncsn::cond_instance_norm_pp_cpu_applies(x, w),
                 c.images == 1 || ncsn::best_cpu_vector_isa() != ncsn::CpuVectorIsa::Baseline);
        const auto labels = torch::tensor(y, torch::kLong);
        const auto expected = by_hand(x, w, y);
        const QString name = QString("%1, %2 x %3 channels").arg(QString::fromStdString(ncsn::to_string(isa))).arg(c.images).arg(c.channels);
        for (const bool elu : {false, true}) {
          const auto out = ncsn::cond_instance_norm_pp_cpu(x, labels, w, 1e-5, elu, isa);
          QVERIFY(out.is_contiguous(torch::MemoryFormat::ChannelsLast));
          const double diff = ncsn::test::max_abs_diff(out, elu ? torch::elu(expected) : expected);
          QVERIFY2(diff < 1e-4, qPrintable(QString("%1%2: max diff %3").arg(name, elu ? " + ELU" : "").arg(diff)));
        }
        if (c.size == 4)
          QVERIFY(ncsn::test::max_abs_diff(ncsn::cond_instance_norm_pp_cpu(x, labels, w, 1e-5, false, isa),
                                           by_hand(x, w, y, {true, false})) > 1e-2);
      }
    }
    torch::set_num_threads(1);
  }

  // The module's forward and forward_elu take the kernel where it applies and agree with their
  // LibTorch operators (NCHW input, which the kernel does not take) to float rounding.
  void moduleTakesTheKernelAndAgreesWithItsOperators() {
    torch::manual_seed(10);
    auto norm = randomized_layer(16, 3);
    const auto x = test_input(4, 16, 8, 8);
    const auto labels = torch::tensor({0, 2, 1, 2}, torch::kLong);
    torch::NoGradGuard no_grad;
    const auto channels_last = x.contiguous(torch::MemoryFormat::ChannelsLast);
    const auto by_operators = norm->forward(x, labels);
    QVERIFY(ncsn::test::max_abs_diff(norm->forward(channels_last, labels), by_operators) < 1e-5);
    QVERIFY(ncsn::test::max_abs_diff(norm->forward_elu(x, labels), torch::elu(by_operators)) == 0.0);
    QVERIFY(ncsn::test::max_abs_diff(norm->forward_elu(channels_last, labels), torch::elu(by_operators)) < 1e-5);
    QVERIFY(norm->forward_elu(channels_last, labels).is_contiguous(torch::MemoryFormat::ChannelsLast));
  }

  // The fused ELU's own e^y - 1 against LibTorch's ELU in double: below float's rounding of the
  // output over the whole negative range, relatively accurate near 0 (where e^y - 1 formed
  // naively loses its digits), -1 far below -87, and NaN kept.
  void fusedEluMatchesLibTorchAcrossItsRange() {
    const std::vector<float> edges{0.0f, -0.0f, -1e-7f, -1e-4f, -0.3465f, -0.3466f, -1.0f, -20.0f, -86.9f,
                                   -87.0f, -87.5f, -104.0f, -1e6f, 1e-7f, 3.0f, 1e6f};
    auto values = torch::cat({torch::linspace(-90.0, 5.0, 9500), torch::tensor(edges)});
    const int64_t C = values.size(0);
    // gamma = 1, alpha = 0, beta = each value: a constant image normalises to exactly beta.
    auto embed = torch::zeros({1, 3 * C});
    embed.narrow(1, 0, C).fill_(1.0);
    embed.narrow(1, 2 * C, C).copy_(values);
    const auto x = torch::zeros({1, C, 2, 2}).contiguous(torch::MemoryFormat::ChannelsLast);
    const auto labels = torch::zeros({1}, torch::kLong);
    const auto expected = torch::elu(values.to(torch::kDouble)).view({C, 1, 1}).expand({C, 2, 2});
    torch::NoGradGuard no_grad;
    for (const auto isa : available_isas()) {
      const auto out = ncsn::cond_instance_norm_pp_cpu(x, labels, embed, 1e-5, true, isa)[0].to(torch::kDouble);
      const auto error = (out - expected).abs();
      const QString name = QString::fromStdString(ncsn::to_string(isa));
      QVERIFY2(error.max().item<double>() < 2e-7, qPrintable(name + QString(": max error %1").arg(error.max().item<double>())));
      const auto relative = (error / expected.abs().clamp_min(1e-30)).narrow(0, 9500, edges.size());
      QVERIFY2(relative.max().item<double>() < 1e-6, qPrintable(name + ": relative error near 0"));
      auto nan_embed = embed.clone();
      nan_embed[0][2 * C] = std::numeric_limits<float>::quiet_NaN();
      QVERIFY(std::isnan(ncsn::cond_instance_norm_pp_cpu(x, labels, nan_embed, 1e-5, true, isa)[0][0][0][0].item<float>()));
    }
  }

  // Autograd, other layouts and other types keep the module's own operators.
  void inferenceKernelOnlyWhereItApplies() {
    auto norm = randomized_layer(4, 2);
    const auto x = test_input(1, 4, 3, 3).contiguous(torch::MemoryFormat::ChannelsLast);
    const auto w = norm->embed->weight;
    QVERIFY(!ncsn::cond_instance_norm_pp_cpu_takes(x, w));  // grad mode is on
    torch::NoGradGuard no_grad;
    QVERIFY(ncsn::cond_instance_norm_pp_cpu_applies(x, w));
    QVERIFY(!ncsn::cond_instance_norm_pp_cpu_takes(test_input(2, 4, 3, 3), w));  // NCHW, several channels
    QVERIFY(!ncsn::cond_instance_norm_pp_cpu_takes(x.to(torch::kHalf), w));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, ncsn::cond_instance_norm_pp_cpu(x, torch::tensor({2}, torch::kLong), w, 1e-5));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             ncsn::cond_instance_norm_pp_cpu(x, torch::tensor({0}, torch::kLong), torch::zeros({2, 6}), 1e-5));
    if (ncsn::best_cpu_vector_isa() == ncsn::CpuVectorIsa::Baseline)
      QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ncsn::cond_instance_norm_pp_cpu(x, torch::tensor({0}, torch::kLong), w, 1e-5,
                                                                                    false, ncsn::CpuVectorIsa::Avx2Fma));
  }

  void identityEmbeddingGivesPlainInstanceNormPlusMeans() {
    // gamma = 1, alpha = 0, beta = 0: exactly instance normalisation (biased variance, eps 1e-5).
    torch::manual_seed(6);
    const int64_t C = 4;
    ncsn::CondInstanceNormPP norm(C, 1);
    {
      torch::NoGradGuard no_grad;
      norm->embed->weight.zero_();
      norm->embed->weight.narrow(1, 0, C).fill_(1.0);
    }
    const auto x = test_input(2, C, 5, 5);
    const auto out = norm->forward(x, torch::zeros({2}, torch::kLong));
    const auto expected = torch::instance_norm(x, {}, {}, {}, {}, /*use_input_stats=*/true, 0.0, 1e-5, false);
    QVERIFY(ncsn::test::max_abs_diff(out, expected) < 1e-5);
    // Instance norm alone removes the channel means; alpha = 1 puts their normalised spread back.
    QVERIFY(out.mean({2, 3}).abs().max().item<double>() < 1e-5);
    {
      torch::NoGradGuard no_grad;
      norm->embed->weight.narrow(1, C, C).fill_(1.0);
    }
    const auto with_means = norm->forward(x, torch::zeros({2}, torch::kLong)).mean({2, 3}).to(torch::kDouble);
    const auto mu = x.mean({2, 3}).to(torch::kDouble);
    const auto expected_means = (mu - mu.mean(1, true)) / (mu.var(1, /*unbiased=*/true, true) + 1e-5).sqrt();
    QVERIFY(ncsn::test::max_abs_diff(with_means, expected_means) < 1e-4);
  }

  void initialisationFollowsTheReference() {
    torch::manual_seed(7);
    const int64_t C = 64, L = 10;
    ncsn::CondInstanceNormPP norm(C, L);
    const auto w = norm->embed->weight.detach();
    QVERIFY(w.sizes() == (std::vector<int64_t>{L, 3 * C}));
    const auto gamma_alpha = w.narrow(1, 0, 2 * C);
    QVERIFY(std::abs(gamma_alpha.mean().item<double>() - 1.0) < 0.005);
    QVERIFY(std::abs(gamma_alpha.std().item<double>() - 0.02) < 0.003);
    QCOMPARE(w.narrow(1, 2 * C, C).abs().max().item<double>(), 0.0);
  }

  void gradientsReachEveryEmbeddingPart() {
    torch::manual_seed(8);
    auto norm = randomized_layer(3, 2);
    const auto x = test_input(2, 3, 4, 4).requires_grad_(true);
    (norm->forward(x, torch::tensor({1, 1}, torch::kLong)) * torch::randn({2, 3, 4, 4})).sum().backward();
    const auto g = norm->embed->weight.grad();
    QVERIFY(g.defined());
    QVERIFY(g[1].abs().min().item<double>() > 0);  // gamma, alpha and beta of the used level
    QCOMPARE(g[0].abs().max().item<double>(), 0.0);  // the unused level is untouched
    QVERIFY(x.grad().abs().max().item<double>() > 0);
  }
};

QTEST_APPLESS_MAIN(TestCondInstanceNorm)
#include "test_cond_instance_norm.moc"
