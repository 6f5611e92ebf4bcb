// Annealed Langevin dynamics (Alg. 1), inpainting (Alg. 2), the single-level baseline and the
// one-step denoiser, driven by analytic Gaussian scores so no network is needed.
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include <QtTest/QtTest>

#include "ncsn/annealed_langevin_sampler.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/noise_schedule.hpp"
#include "test_support.hpp"

namespace {

constexpr double kMu = 0.5, kS = 0.2;

// The exact score of N(mu, s^2 I) perturbed at level i: -(x - mu) / (s^2 + sigma_i^2).
ncsn::ScoreFunction gaussian_score(const torch::Tensor& sigmas) {
  const auto var = sigmas.square() + kS * kS;
  return [var](const torch::Tensor& x, const torch::Tensor& labels) {
    std::vector<int64_t> shape(x.dim(), 1);
    shape[0] = x.size(0);
    return -(x - kMu) / var.index_select(0, labels).view(shape);
  };
}

torch::Tensor small_sigmas() { return ncsn::geometric_sigmas(1.0, 0.1, 4); }

ncsn::LangevinSettings settings(int64_t steps, double eps, uint64_t seed = 0) {
  ncsn::LangevinSettings s;
  s.steps_per_level = steps;
  s.step_lr = eps;
  s.seed = seed;
  return s;
}

}  // namespace

class TestSampler : public QObject {
  Q_OBJECT
 private slots:
  // Tiny tensors gain nothing from threads, and OpenMP spin-waits badly on a busy 2-core machine.
  void initTestCase() { torch::set_num_threads(1); }
  void sameSeedSameSamplesOtherSeedOtherSamples() {
    const auto sigmas = small_sigmas();
    ncsn::AnnealedLangevinSampler sampler(gaussian_score(sigmas), sigmas);
    const auto a = sampler.sample(4, {1, 6, 6}, settings(5, 1e-3, 7));
    torch::manual_seed(12345);  // whatever the global generator holds beforehand
    const auto b = sampler.sample(4, {1, 6, 6}, settings(5, 1e-3, 7));
    const auto c = sampler.sample(4, {1, 6, 6}, settings(5, 1e-3, 8));
    QVERIFY(a.completed && b.completed && c.completed);
    QCOMPARE(a.steps_done, int64_t{20});
    QVERIFY(a.samples.sizes() == (std::vector<int64_t>{4, 1, 6, 6}));
    QVERIFY(torch::equal(a.samples, b.samples));
    QVERIFY(ncsn::test::max_abs_diff(a.samples, c.samples) > 1e-2);
  }

  void oneStepFollowsTheReferenceConvention() {
    // x <- x + alpha s + sqrt(2 alpha) z with alpha = eps sigma_i^2 / sigma_L^2. A constant score c
    // shifts the mean by alpha c; the spread is sqrt(2 alpha).
    const auto sigmas = torch::tensor({1.0f, 0.1f});
    ncsn::AnnealedLangevinSampler sampler([](const torch::Tensor& x, const torch::Tensor&) { return torch::full_like(x, 3.0); },
                                          sigmas);
    const double eps = 1e-4, alpha = eps * 100;
    QVERIFY(std::abs(sampler.step_size(0, eps) - alpha) < 1e-6 * alpha);  // float sigmas
    QVERIFY(std::abs(sampler.step_size(1, eps) - eps) < 1e-12);
    const auto init = torch::zeros({20000, 1, 2, 2});
    const auto out = sampler.plain_langevin(init, 0, settings(1, eps)).samples;
    const double n = static_cast<double>(out.numel());
    QVERIFY(std::abs(out.mean().item<double>() - 3 * alpha) < 5 * std::sqrt(2 * alpha / n));
    QVERIFY(std::abs(out.std().item<double>() / std::sqrt(2 * alpha) - 1.0) < 0.02);
  }

  void annealingWithExactScoresReachesTheData() {
    // With the exact scores the chain ends near the data perturbed at sigma_L: N(mu, s^2 + sigma_L^2).
    const auto sigmas = small_sigmas();
    ncsn::AnnealedLangevinSampler sampler(gaussian_score(sigmas), sigmas);
    const auto out = sampler.sample(512, {1, 4, 4}, settings(100, 2e-3, 3)).samples;
    const double want_sd = std::sqrt(kS * kS + 0.01);
    QVERIFY2(std::abs(out.mean().item<double>() - kMu) < 0.01, qPrintable(QString::number(out.mean().item<double>())));
    QVERIFY2(std::abs(out.std().item<double>() / want_sd - 1.0) < 0.05, qPrintable(QString::number(out.std().item<double>())));
  }

  void inpaintingReimposesNoisyKnownPixelsAndExactOnesAtTheEnd() {
    torch::manual_seed(21);
    const auto sigmas = small_sigmas();
    ncsn::AnnealedLangevinSampler sampler(gaussian_score(sigmas), sigmas);
    const auto image = torch::rand({8, 1, 8, 8}) * 0.2 + 0.8;  // far from the prior's mean 0.5
    auto mask = torch::zeros({1, 1, 8, 8});
    mask.narrow(3, 0, 4).fill_(1.0);  // left half known
    mask[0][0][7][7] = 1.0;           // plus an arbitrary painted pixel
    const auto known = mask.expand_as(image).to(torch::kBool);
    auto s = settings(20, 1e-3, 4);
    s.frame_every = 1;
    int64_t frames = 0, last_level = -1;
    torch::Tensor level_known;  // y at the current level: drawn once per level
    bool ok = true;
    QString why;
    auto observer = [&](const ncsn::LangevinPosition& at, const torch::Tensor& x) {
      ++frames;
      const auto dev = (x.masked_select(known) - image.masked_select(known)) / at.sigma;
      const double worst = dev.abs().max().item<double>();
      if (worst > 6.0) ok = false, why = QString("level %1: known pixels are %2 sigma away").arg(at.level).arg(worst);
      if (dev.abs().max().item<double>() == 0.0) ok = false, why = "known pixels carry no noise before the end";
      if (at.level != last_level) {
        last_level = at.level;
        level_known = x.masked_select(known).clone();
        // Over 264 pixels the normalised deviations look like standard normals.
        const double sd = dev.std().item<double>();
        if (sd < 0.6 || sd > 1.5) ok = false, why = QString("level %1: deviation sd %2").arg(at.level).arg(sd);
      } else if (!torch::equal(level_known, x.masked_select(known))) {
        ok = false, why = QString("level %1: the known pixels changed within the level").arg(at.level);
      }
    };
    const auto result = sampler.inpaint(image, mask, s, observer);
    QVERIFY2(ok, qPrintable(why));
    QCOMPARE(frames, int64_t{80});
    QVERIFY(result.completed);
    QVERIFY(torch::equal(result.samples.masked_select(known), image.masked_select(known)));
    // The unknown pixels were sampled, not copied: they drift towards the prior's mean 0.5.
    const auto unknown = result.samples.masked_select(~known);
    QVERIFY(std::abs(unknown.mean().item<double>() - kMu) < 0.1);
  }

  void inpaintingRejectsAMaskOfTheWrongSize() {
    const auto sigmas = small_sigmas();
    ncsn::AnnealedLangevinSampler sampler(gaussian_score(sigmas), sigmas);
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError,
                             sampler.inpaint(torch::rand({1, 1, 8, 8}), torch::ones({1, 1, 6, 8}), settings(2, 1e-3)));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, sampler.inpaint(torch::rand({1, 8, 8}), torch::ones({8, 8}), settings(2, 1e-3)));
  }

  void stopNowEndsWithinOneStep() {
    const auto sigmas = small_sigmas();
    ncsn::JobControl control;
    std::atomic<int64_t> scored{0};
    auto counting = [&, score = gaussian_score(sigmas)](const torch::Tensor& x, const torch::Tensor& y) {
      ++scored;
      return score(x, y);
    };
    ncsn::AnnealedLangevinSampler counted(counting, sigmas);
    auto s = settings(10, 1e-3);
    s.frame_every = 1;
    const auto result = counted.sample(2, {1, 4, 4}, s, [&](const ncsn::LangevinPosition& at, const torch::Tensor&) {
      if (at.done == 7) control.request_stop(ncsn::StopRequest::Now);
    }, &control);
    QVERIFY(!result.completed);
    QCOMPARE(result.steps_done, int64_t{7});
    QCOMPARE(scored.load(), int64_t{7});  // no score evaluation after the request
    QVERIFY(result.samples.defined());
    QVERIFY(torch::isfinite(result.samples).all().item<bool>());
  }

  void stopAfterLevelFinishesTheLevel() {
    const auto sigmas = small_sigmas();
    ncsn::AnnealedLangevinSampler sampler(gaussian_score(sigmas), sigmas);
    ncsn::JobControl control;
    auto s = settings(10, 1e-3);
    s.frame_every = 1;
    int64_t last_level = -1;
    const auto result = sampler.sample(2, {1, 4, 4}, s, [&](const ncsn::LangevinPosition& at, const torch::Tensor&) {
      last_level = at.level;
      if (at.done == 13) control.request_stop(ncsn::StopRequest::AfterLevel);
    }, &control);
    QVERIFY(!result.completed);
    QCOMPARE(result.steps_done, int64_t{20});  // the second level (steps 11-20) runs to its end
    QCOMPARE(last_level, int64_t{1});
  }

  void pauseHoldsTheChainUntilResumed() {
    const auto sigmas = small_sigmas();
    ncsn::AnnealedLangevinSampler sampler(gaussian_score(sigmas), sigmas);
    ncsn::JobControl control;
    control.pause();
    std::atomic<int64_t> seen{0};
    auto s = settings(5, 1e-3);
    s.frame_every = 1;
    ncsn::SampleResult result;
    std::thread worker([&] {
      result = sampler.sample(2, {1, 4, 4}, s, [&](const ncsn::LangevinPosition&, const torch::Tensor&) { ++seen; }, &control);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    QCOMPARE(seen.load(), int64_t{0});
    control.resume();
    worker.join();
    QVERIFY(result.completed);
    QCOMPARE(seen.load(), int64_t{20});
    // A stop while paused releases the chain at once.
    control.reset();
    control.pause();
    std::thread stopped([&] { result = sampler.sample(2, {1, 4, 4}, s, {}, &control); });
    control.request_stop(ncsn::StopRequest::Now);
    stopped.join();
    QVERIFY(!result.completed);
    QCOMPARE(result.steps_done, int64_t{0});
  }

  void denoiseIsTheTweedieStep() {
    const auto sigmas = small_sigmas();
    const auto score = gaussian_score(sigmas);
    ncsn::AnnealedLangevinSampler sampler(score, sigmas);
    const auto x = torch::rand({3, 1, 4, 4});
    for (int64_t level : {0, 3}) {
      const double s = sigmas[level].item<double>();
      const auto want = x + s * s * score(x, torch::full({3}, level, torch::kLong));
      QVERIFY(ncsn::test::max_abs_diff(sampler.denoise(x, level), want) < 1e-6);
    }
    // For a Gaussian this is the posterior mean E[x | x~] = mu + s^2/(s^2 + sigma^2) (x~ - mu).
    const double sig = sigmas[0].item<double>();
    const auto posterior_mean = kMu + kS * kS / (kS * kS + sig * sig) * (x - kMu);
    QVERIFY(ncsn::test::max_abs_diff(sampler.denoise(x, 0), posterior_mean) < 1e-5);
  }

  void denoiseLastAppliesTheTweedieStepToTheFinalState() {
    const auto sigmas = small_sigmas();
    const auto score = gaussian_score(sigmas);
    ncsn::AnnealedLangevinSampler sampler(score, sigmas);
    auto s = settings(3, 1e-3, 9);
    s.frame_every = 1;
    torch::Tensor last;
    auto grab = [&](const ncsn::LangevinPosition&, const torch::Tensor& x) { last = x.clone(); };
    s.denoise_last = true;
    const auto result = sampler.sample(2, {1, 4, 4}, s, grab);
    QVERIFY(ncsn::test::max_abs_diff(result.samples, sampler.denoise(last, 3)) < 1e-6);
  }

  void plainLangevinRunsAtOneLevel() {
    const auto sigmas = small_sigmas();
    ncsn::AnnealedLangevinSampler sampler(gaussian_score(sigmas), sigmas);
    auto s = settings(8, 1e-3);
    s.frame_every = 2;
    std::vector<int64_t> levels;
    const auto observe = [&](const ncsn::LangevinPosition& at, const torch::Tensor&) {
      levels.push_back(at.level);
      QCOMPARE(at.total, int64_t{8});
    };
    auto r = sampler.plain_langevin(torch::rand({2, 1, 4, 4}), 1, s, observe);
    QVERIFY(r.completed);
    QCOMPARE(r.steps_done, int64_t{8});
    QVERIFY(levels == (std::vector<int64_t>{1, 1, 1, 1}));
    levels.clear();
    r = sampler.plain_langevin(torch::rand({2, 1, 4, 4}), -1, s, observe);  // default: the smallest sigma
    QVERIFY(levels == (std::vector<int64_t>{3, 3, 3, 3}));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, sampler.plain_langevin(torch::rand({2, 1, 4, 4}), 4, s));
  }

  void nonFiniteStateRaises() {
    const auto sigmas = small_sigmas();
    // A score that blows up at the second level, as a diverging model would.
    ncsn::AnnealedLangevinSampler sampler(
        [](const torch::Tensor& x, const torch::Tensor& y) {
          return y[0].item<int64_t>() == 1 ? torch::full_like(x, std::numeric_limits<float>::quiet_NaN()) : torch::zeros_like(x);
        },
        sigmas);
    try {
      sampler.sample(2, {1, 4, 4}, settings(3, 1e-3));
      QFAIL("no NonFiniteError");
    } catch (const ncsn::NonFiniteError& e) {
      QVERIFY2(QString(e.what()).contains("level 2/4"), e.what());
    }
    ncsn::AnnealedLangevinSampler exploding([](const torch::Tensor& x, const torch::Tensor&) { return x * 1e30; }, sigmas);
    QVERIFY_THROWS_EXCEPTION(ncsn::NonFiniteError, exploding.sample(2, {1, 4, 4}, settings(50, 1e-2)));
  }

  void rejectsBadSettings() {
    const auto sigmas = small_sigmas();
    ncsn::AnnealedLangevinSampler sampler(gaussian_score(sigmas), sigmas);
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, sampler.sample(1, {1, 4, 4}, settings(0, 1e-3)));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, sampler.sample(1, {1, 4, 4}, settings(2, 0.0)));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, (void)ncsn::AnnealedLangevinSampler(gaussian_score(sigmas), torch::Tensor()));
  }
};

QTEST_APPLESS_MAIN(TestSampler)
#include "test_sampler.moc"
