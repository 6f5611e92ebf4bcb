// Sample-quality metrics: the Fréchet distance against closed forms, FD-cls and the class
// histogram with a classifier trained here on two classes of stripes, nearest neighbours, the
// held-out DSM loss, FID/IS through a small TorchScript network the test builds itself, and the
// score record that lets checkpoint selection resume.
#include <QtTest/QtTest>

#include <torch/script.h>

#include <filesystem>

#include "ncsn/checkpoint.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/feature_classifier.hpp"
#include "ncsn/inception_network.hpp"
#include "ncsn/nearest_neighbours.hpp"
#include "ncsn/noise_schedule.hpp"
#include "ncsn/sample_quality.hpp"
#include "ncsn/score_record.hpp"
#include "ncsn/tensor_fingerprint.hpp"
#include "test_support.hpp"

namespace {

// Class 0: horizontal stripes, class 1: vertical stripes (as test_support's IDX writer).
ncsn::ImageDataset stripes(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  ncsn::ImageDataset d;
  d.images = torch::empty({n, 1, 12, 12}, torch::kUInt8);
  d.labels = torch::arange(n) % 2;
  const auto ramp = (torch::arange(12) / 3 % 2).to(torch::kUInt8) * 210 + 20;
  for (int64_t i = 0; i < n; ++i) {
    const auto pattern = i % 2 ? ramp.view({1, 12}).expand({12, 12}) : ramp.view({12, 1}).expand({12, 12});
    d.images[i][0] = (pattern.to(torch::kInt) + torch::randint(-15, 16, {12, 12}, torch::kInt)).clamp(0, 255).to(torch::kUInt8);
  }
  d.name = "stripes";
  return d;
}

ncsn::FeatureStats gaussian_stats(const torch::Tensor& mean, const torch::Tensor& cov) {
  return {mean.to(torch::kDouble), cov.to(torch::kDouble), 100};
}

}  // namespace

class TestSampleQuality : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  ncsn::ImageDataset train_ = stripes(64, 1), test_ = stripes(32, 2);
  ncsn::TrainedClassifier classifier_;

  std::string path(const char* name) const { return tmp_.filePath(name).toStdString(); }

 private slots:
  void initTestCase() {
    torch::set_num_threads(1);
    QVERIFY(tmp_.isValid());
    ncsn::ClassifierTraining options;
    options.iterations = 60;
    options.batch_size = 32;
    classifier_ = ncsn::train_feature_classifier(train_, test_, options);
  }

  void frechetDistanceMatchesClosedForms() {
    const auto a = gaussian_stats(torch::tensor({0.0, 1.0}), torch::diag(torch::tensor({1.0, 4.0})));
    QCOMPARE(ncsn::frechet_distance(a, a), 0.0);
    // Diagonal covariances: |mu_a - mu_b|^2 + sum (sqrt(v_a) - sqrt(v_b))^2.
    const auto b = gaussian_stats(torch::tensor({3.0, 1.0}), torch::diag(torch::tensor({9.0, 1.0})));
    QVERIFY(std::abs(ncsn::frechet_distance(a, b) - (9.0 + 4.0 + 1.0)) < 1e-9);
    QVERIFY(std::abs(ncsn::frechet_distance(a, b) - ncsn::frechet_distance(b, a)) < 1e-9);
    // A rotated covariance with the same spectrum as a: only the mean shift and the rotation count.
    const double c = std::cos(0.7), s = std::sin(0.7);
    const auto r = torch::tensor({c, -s, s, c}, torch::kDouble).view({2, 2});
    const auto rotated = gaussian_stats(torch::tensor({0.0, 1.0}), r.mm(a.covariance).mm(r.t()));
    const double expected = (a.covariance + rotated.covariance).trace().item<double>() -
                            2 * torch::real(at::linalg_eigvals(a.covariance.mm(rotated.covariance))).sqrt().sum().item<double>();
    QVERIFY(std::abs(ncsn::frechet_distance(a, rotated) - expected) < 1e-9);
    // Statistics of samples: unbiased covariance.
    const auto st = ncsn::feature_stats(torch::tensor({1.0, 3.0}).view({2, 1}));
    QCOMPARE(st.mean.item<double>(), 2.0);
    QCOMPARE(st.covariance.item<double>(), 2.0);
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::feature_stats(torch::zeros({1, 3})));
  }

  void classifierLearnsTheClassesAndRoundTrips() {
    QCOMPARE(classifier_.test_accuracy, 1.0);
    ncsn::save_classifier(path("cls.pt"), classifier_);
    auto back = ncsn::load_classifier(path("cls.pt"));
    QCOMPARE(back.test_accuracy, 1.0);
    QCOMPARE(back.dataset, std::string("stripes"));
    const auto x = test_.batch(torch::arange(8));
    QVERIFY(torch::equal(back.model->forward(x), classifier_.model->forward(x)));
    // Damaged, foreign and missing files are DataErrors.
    auto bytes = ncsn::test::read_bytes(path("cls.pt"));
    ncsn::test::write_bytes(path("half.pt"), bytes.substr(0, bytes.size() / 2));
    QVERIFY_THROWS_EXCEPTION(ncsn::DataError, ncsn::load_classifier(path("half.pt")));
    QVERIFY_THROWS_EXCEPTION(ncsn::DataError, ncsn::load_classifier(path("missing.pt")));
    ncsn::ModelConfig tiny;
    tiny.ngf = 4;
    tiny.image_size = 12;
    ncsn::NcsnScoreNet net(tiny);
    ncsn::CheckpointMeta meta;
    meta.model = tiny;
    ncsn::save_checkpoint(path("a-checkpoint.ncsn"), net, meta);
    QVERIFY_THROWS_EXCEPTION(ncsn::DataError, ncsn::load_classifier(path("a-checkpoint.ncsn")));
    // Unlabelled data cannot train one.
    auto unlabelled = train_;
    unlabelled.labels = torch::full({train_.size()}, -1, torch::kLong);
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::train_feature_classifier(unlabelled, test_, {}));
  }

  void fdClsSeparatesGoodFromBadSamplesAndCountsModes() {
    const auto test_stats = ncsn::feature_stats(ncsn::classifier_features(classifier_.model, test_));
    const auto fresh = stripes(32, 3).batch(torch::arange(32));  // new draws of the data
    const auto good = ncsn::evaluate_sample_quality(fresh, classifier_.model, test_stats, test_, train_);
    torch::manual_seed(4);
    const auto noise = ncsn::evaluate_sample_quality(torch::rand({32, 1, 12, 12}), classifier_.model, test_stats, test_, train_);
    QVERIFY2(good.fd_cls * 10 < noise.fd_cls, qPrintable(QString("%1 vs %2").arg(good.fd_cls).arg(noise.fd_cls)));
    QCOMPARE(good.class_counts, (std::vector<int64_t>{16, 16}));
    QCOMPARE(good.classes_covered, int64_t{2});
    QVERIFY(good.class_total_variation < 1e-9);
    // Mode collapse: only horizontal stripes.
    const auto one_mode = stripes(32, 5).batch(torch::arange(0, 32, 2).repeat(2));
    const auto collapsed = ncsn::evaluate_sample_quality(one_mode, classifier_.model, test_stats, test_, train_);
    QCOMPARE(collapsed.class_counts, (std::vector<int64_t>{32, 0}));
    QCOMPARE(collapsed.classes_covered, int64_t{1});
    QVERIFY(std::abs(collapsed.class_total_variation - 0.5) < 1e-9);
    QVERIFY(collapsed.fd_cls > good.fd_cls);
    // Copies of training images are at distance 0 from the training set.
    const auto copies = ncsn::evaluate_sample_quality(train_.batch(torch::arange(8)), classifier_.model, test_stats, test_, train_);
    QCOMPARE(copies.nn_distance_mean, 0.0);
    QCOMPARE(copies.nn_distance_min, 0.0);
  }

  void nearestNeighboursFindTheCopy() {
    const auto picks = torch::tensor({5, 40, 17}, torch::kLong);
    auto samples = train_.batch(picks);
    samples[1] += 0.01;
    const auto nn = ncsn::nearest_training_images(samples, train_);
    QVERIFY(torch::equal(nn.indices, picks));
    QCOMPARE(nn.distances[0].item<float>(), 0.0f);
    QVERIFY(std::abs(nn.distances[1].item<float>() - 0.01f * 12) < 1e-4);  // sqrt(144 * 0.01^2)
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::nearest_training_images(torch::zeros({1, 3, 12, 12}), train_));
  }

  void heldoutDsmLossIsSeededAndPrefersTheTrueScore() {
    const auto sigmas = ncsn::geometric_sigmas(1.0, 0.1, 4);
    // The zero score versus the score of the data's own mean-field Gaussian: any sensible model
    // beats predicting nothing, and the figure is the same for the same seed.
    ncsn::ScoreFunction zero = [](const torch::Tensor& x, const torch::Tensor&) { return torch::zeros_like(x); };
    ncsn::ScoreFunction shrink = [&](const torch::Tensor& x, const torch::Tensor& labels) {
      const auto s2 = sigmas.index_select(0, labels).view({-1, 1, 1, 1}).pow(2);
      return (0.5 - x) / (s2 + 0.1);
    };
    const double a = ncsn::heldout_dsm_loss(zero, test_, sigmas, 32, 7), b = ncsn::heldout_dsm_loss(zero, test_, sigmas, 32, 7);
    QCOMPARE(a, b);
    QVERIFY(ncsn::heldout_dsm_loss(shrink, test_, sigmas, 32, 7) < a);
  }

  void torchScriptInceptionGivesFidAndIs() {
    // A stand-in "Inception": features = per-channel means times a fixed matrix; logits pick
    // class 0 for dark and class 1 for bright images, confidently.
    torch::jit::Module net("ProbeNet");
    net.register_buffer("w", torch::tensor({1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 2.0f}).view({3, 2}));
    net.define(R"JIT(
def forward(self, x):
    m = x.mean(dim=[2, 3])
    f = m.matmul(self.w)
    b = m.mean(dim=[1], keepdim=True)
    logits = (b - 0.5) * 100.0
    return (f, torch.cat([-logits, logits], dim=1))
)JIT");
    net.save(path("probe.pt"));
    ncsn::InceptionNetwork inception(path("probe.pt"), 16);
    const auto same = inception_metrics(inception, test_.batch(torch::arange(32)), test_, 32, 2);
    QVERIFY2(same.fid < 1e-6, qPrintable(QString::number(same.fid)));
    // Half dark, half bright: two equally likely, confidently predicted classes, IS = 2.
    auto mixed = torch::cat({torch::full({16, 1, 12, 12}, 0.1f), torch::full({16, 1, 12, 12}, 0.9f)});
    const auto [is, is_std] = ncsn::inception_score(inception.run(mixed).logits, 1);
    QVERIFY2(std::abs(is - 2.0) < 1e-6, qPrintable(QString::number(is)));
    QCOMPARE(is_std, 0.0);
    const auto bright = inception_metrics(inception, torch::full({8, 1, 12, 12}, 0.9f), test_, 32, 1);
    QVERIFY(bright.fid > 0.01);
    QVERIFY(std::abs(*bright.inception_score - 1.0) < 1e-6);  // one class only
    // Features-only networks give FID and no IS; a file that is not TorchScript is a DataError.
    torch::jit::Module features_only("Features");
    features_only.define("def forward(self, x):\n    return x.mean(dim=[2, 3])\n");
    features_only.save(path("features.pt"));
    ncsn::InceptionNetwork plain(path("features.pt"), 16);
    QVERIFY(!inception_metrics(plain, mixed, test_, 32).inception_score.has_value());
    ncsn::test::write_bytes(path("not-torchscript.pt"), "hello");
    QVERIFY_THROWS_EXCEPTION(ncsn::DataError, ncsn::InceptionNetwork(path("not-torchscript.pt")));
    // Nor is one whose code TorchScript cannot compile (its ErrorReport is no c10::Error).
    ncsn::test::copy_archive_with(path("features.pt"), path("uncompilable.pt"),
                                  {{"code/__torch__.py", "class Features(Module):\n  def forward(self, x):\n    return x +\n"}});
    const auto error = ncsn::test::data_error([&] { ncsn::InceptionNetwork(path("uncompilable.pt")); });
    QVERIFY2(error.contains("is not a TorchScript file"), qPrintable(error));
  }

  // A score is reused only for the same file under the same settings; scores under other
  // settings stay in the file; a damaged record is refused with its name.
  void scoreRecordKeepsScoresPerFileAndSettings() {
    const auto a = path("run/checkpoint_10.ncsn"), b = path("run/checkpoint_20.ncsn"), record_path = path("run/scores.json");
    QVERIFY(QDir().mkpath(tmp_.filePath("run")));
    ncsn::test::write_bytes(a, "weights at step 10");
    ncsn::test::write_bytes(b, "weights at step 20");
    const nlohmann::json hundred = {{"samples", 100}}, thousand = {{"samples", 1000}};
    const std::vector<std::string> pass{a, b};
    {
      ncsn::ScoreRecord record(record_path);
      QVERIFY(record.last_settings().is_null());
      record.put({{"checkpoint", a}, {"fd_cls", 30.0}}, hundred, pass);
      record.put({{"checkpoint", b}, {"fd_cls", 20.0}}, hundred, pass);
    }
    ncsn::ScoreRecord record(record_path);  // read back from the file
    QCOMPARE(record.last_settings(), hundred);
    QVERIFY(record.find(a, hundred).has_value());
    QCOMPARE(record.find(b, hundred)->at("fd_cls").get<double>(), 20.0);
    QVERIFY(!record.find(a, thousand).has_value());
    QCOMPARE(record.summary(pass, hundred).at("best").get<std::string>(), b);
    QCOMPARE(record.summary({a}, hundred).at("best").get<std::string>(), a);  // the best of the pass asked about

    // A pass at 1000 samples: its best is its own, and the 100-sample scores are kept.
    record.put({{"checkpoint", a}, {"fd_cls", 15.0}}, thousand, pass);
    ncsn::ScoreRecord reread(record_path);
    const auto summary = reread.summary(pass, thousand);
    QCOMPARE(summary.at("best").get<std::string>(), a);
    QCOMPARE(summary.at("checkpoints").size(), size_t{1});
    QCOMPARE(reread.last_settings(), thousand);
    QVERIFY(reread.find(b, hundred).has_value());

    // A checkpoint rewritten at the same step (a resumed run) is a different model: scored again.
    ncsn::test::write_bytes(b, "weights at step 20, trained again");
    QVERIFY(!reread.find(b, hundred).has_value());
    // Nor does a score measured on the file as it was before it was rewritten mid-measurement.
    const auto measured_on = ncsn::ScoreRecord::identify(b);
    QVERIFY(measured_on.has_value());
    ncsn::test::write_bytes(b, "rewritten while it was sampled");
    reread.put({{"checkpoint", b}, {"fd_cls", 9.0}, {"file", *measured_on}}, hundred, pass);
    QVERIFY(!reread.find(b, hundred).has_value());
    reread.put({{"checkpoint", b}, {"fd_cls", 8.0}}, hundred, pass);  // no identity given: the file's now
    QCOMPARE(reread.find(b, hundred)->at("fd_cls").get<double>(), 8.0);
    // The identity is readable (UTC to the nanosecond), and a same-size rewrite a microsecond later
    // still changes it.
    const auto now = ncsn::ScoreRecord::identify(b);
    const QString modified = QString::fromStdString(now->at("modified").get<std::string>());
    QVERIFY2(QRegularExpression(QStringLiteral("^20\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z$")).match(modified).hasMatch(),
             qPrintable(modified));
    std::filesystem::last_write_time(b, std::filesystem::last_write_time(b) + std::chrono::microseconds(1));
    QVERIFY(ncsn::ScoreRecord::identify(b) != now);
    QVERIFY(!reread.find(b, hundred).has_value());
    std::filesystem::remove(a);
    QVERIFY(!ncsn::ScoreRecord::identify(a).has_value());
    QVERIFY(!reread.find(a, thousand).has_value());

    ncsn::test::write_bytes(record_path, "{\"checkpoints\": [{\"checkpoint\": 3}]}");
    const auto error = ncsn::test::data_error([&] { ncsn::ScoreRecord damaged(record_path); });
    QVERIFY2(error.contains(QString::fromStdString(record_path)) && error.contains("not a score record"), qPrintable(error));
    QVERIFY(!ncsn::ScoreRecord(path("run/none.json")).find(b, hundred).has_value());  // no file: an empty record
  }

  // The samples of an interrupted measurement come back whole or not at all, only for the same
  // file and settings, and go once the checkpoint's score is in.
  void partialSamplesResumeOnlyTheSameMeasurement() {
    QVERIFY(QDir().mkpath(tmp_.filePath("partial")));
    const auto ckpt = path("partial/checkpoint_5.ncsn"), record_path = path("partial/scores.json");
    ncsn::test::write_bytes(ckpt, "weights at step 5");
    const auto file = *ncsn::ScoreRecord::identify(ckpt);
    const nlohmann::json settings = {{"samples", 12}, {"batch", 4}};
    const std::vector<std::string> pass{ckpt};
    const auto drawn = torch::rand({8, 1, 12, 12});
    ncsn::ScoreRecord(record_path).keep_partial_samples(ckpt, settings, file, drawn, pass);

    ncsn::ScoreRecord record(record_path);
    QVERIFY(torch::equal(record.partial_samples(ckpt, settings, file), drawn));
    QVERIFY(!record.partial_samples(ckpt, {{"samples", 1000}}, file).defined());
    QVERIFY(!record.partial_samples(ckpt, settings, {{"size", 1}}).defined());
    QVERIFY(!record.partial_samples(path("partial/checkpoint_6.ncsn"), settings, file).defined());
    const auto bytes = ncsn::test::read_bytes(record_path + ".samples");
    ncsn::test::write_bytes(record_path + ".samples", bytes.substr(0, bytes.size() - 1));
    QVERIFY(!record.partial_samples(ckpt, settings, file).defined());  // cut short: not used
    ncsn::test::write_bytes(record_path + ".samples", bytes);

    record.put({{"checkpoint", ckpt}, {"fd_cls", 4.0}, {"file", file}}, settings, pass);
    QVERIFY(!QFile::exists(QString::fromStdString(record_path + ".samples")));
    QVERIFY(!ncsn::ScoreRecord(record_path).partial_samples(ckpt, settings, file).defined());
    QVERIFY(ncsn::ScoreRecord(record_path).find(ckpt, settings).has_value());
  }

  void fingerprintsTellWeightsApart() {
    const auto w = torch::arange(6, torch::kFloat).view({2, 3});
    QCOMPARE(ncsn::tensor_fingerprint({w, torch::ones(2)}), ncsn::tensor_fingerprint({w.clone(), torch::ones(2)}));
    QCOMPARE(ncsn::tensor_fingerprint({w}).size(), size_t{16});
    QVERIFY(ncsn::tensor_fingerprint({w}) != ncsn::tensor_fingerprint({w.view({3, 2})}));  // the shape counts
    QVERIFY(ncsn::tensor_fingerprint({w}) != ncsn::tensor_fingerprint({w.to(torch::kDouble)}));
    auto nudged = w.clone();
    nudged[1][2] += 1e-6f;
    QVERIFY(ncsn::tensor_fingerprint({w}) != ncsn::tensor_fingerprint({nudged}));
    QVERIFY(ncsn::tensor_fingerprint(classifier_.model->parameters()) !=
            ncsn::tensor_fingerprint(ncsn::FeatureClassifier(classifier_.model->config)->parameters()));
  }
};

QTEST_APPLESS_MAIN(TestSampleQuality)
#include "test_sample_quality.moc"
