// End-to-end: the `ncsn` executable on small data the test writes itself.
#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <optional>

#include <torch/version.h>

#include "ncsn/checkpoint.hpp"
#include "ncsn/trainer.hpp"
#include "ncsn/imageio/png_io.hpp"
#include "cli_run.hpp"
#include "test_support.hpp"

namespace {

using ncsn::test::ncsn_cli;

QJsonObject last_json_line(const QString& out) {
  const auto lines = out.trimmed().split('\n');
  return QJsonDocument::fromJson(lines.last().toUtf8()).object();
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::optional<ncsn::test::TinyTrainingRun> tiny_;

  QStringList tiny_train(int iters) const { return tiny_->train_args(iters, 3, 3); }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    tiny_.emplace(dir_.path());
  }

  // The configs the package installs (resources/configs) parse and describe valid runs.
  void shippedConfigsAreValid() {
    const QDir dir(QStringLiteral(NCSN_SOURCE_DIR "/resources/configs"));
    const auto files = dir.entryList({"*.json"}, QDir::Files);
    QVERIFY(files.contains("fashion-mnist-small.json") && files.contains("fashion-mnist.json") && files.contains("cifar10.json"));
    for (const auto& name : files) {
      const auto j = nlohmann::json::parse(ncsn::test::read_bytes(ncsn::test::str(dir.filePath(name))));
      QVERIFY2(j.contains("dataset") && j.contains("model") && j.contains("training"), qPrintable(name));
      j["model"].get<ncsn::ModelConfig>().validate();
      j["training"].get<ncsn::TrainConfig>().validate();
    }
    // One of them drives a real (tiny) run: flags override the file.
    auto r = ncsn_cli({"train", "--config", dir.filePath("fashion-mnist-small.json"), "--dataset", "mnist", "--data", tiny_->data_dir,
                       "--ngf", "4", "--batch", "4", "--accumulate", "2", "--amp", "bf16", "--iters", "1", "--eval-every", "0",
                       "--out", dir_.filePath("cfg-run"), "--threads", "1", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(dir_.filePath("cfg-run/checkpoint_1.ncsn")));
    const auto meta = ncsn::read_checkpoint_meta(ncsn::test::str(dir_.filePath("cfg-run/checkpoint_1.ncsn")));
    QCOMPARE(meta.model.num_classes, int64_t{10});
    QCOMPARE(meta.training["accumulate"].get<int64_t>(), int64_t{2});
    QCOMPARE(meta.training["mixed_precision"].get<std::string>(), std::string("bf16"));
  }

  void infoDescribesTheMachine() {
    auto r = ncsn_cli({"info", "--json"});
    QCOMPARE(r.code, 0);
    const auto j = last_json_line(r.out);
    QVERIFY(j.contains("cuda_available"));
    QCOMPARE(j["libtorch"].toString(), QStringLiteral(TORCH_VERSION));  // the LibTorch it was built with
  }

  void toyReportsTheModeWeights() {
    auto r = ncsn_cli({"toy", "--json", "--seed", "1"});
    QCOMPARE(r.code, 0);
    const auto j = last_json_line(r.out);
    QVERIFY(std::abs(j["annealed_langevin"].toDouble() - 0.8) <= 0.03);
    QVERIFY(std::abs(j["langevin"].toDouble() - 0.8) > 0.1);
  }

  void trainWritesCheckpointsAndResumes() {
    auto first = ncsn_cli(tiny_train(6));
    QVERIFY2(first.code == 0, qPrintable(first.err + first.out));
    QVERIFY(QFile::exists(tiny_->checkpoint(3)));
    QVERIFY(QFile::exists(tiny_->checkpoint(6)));
    QVERIFY(QFile::exists(tiny_->run_dir + "/config.json"));
    QCOMPARE(last_json_line(first.out)["step"].toInt(), 6);

    // The same command with more iterations continues from step 6 with the saved config.
    auto second = ncsn_cli({"train", "--out", tiny_->run_dir, "--iters", "9", "--json", "--threads", "1"});
    QVERIFY2(second.code == 0, qPrintable(second.err + second.out));
    QVERIFY(second.out.contains("resumed from"));
    QVERIFY(!second.out.contains("\"step\":1,"));
    QCOMPARE(last_json_line(second.out)["step"].toInt(), 9);
    QCOMPARE(ncsn::read_checkpoint_meta(ncsn::test::str(tiny_->checkpoint(9))).model.ngf, int64_t{4});
  }

  // Resuming keeps the failure policies and flips the run started with; flags given then win.
  void resumingKeepsTheRunsPoliciesAndFlips() {
    const QString run = dir_.filePath("policy-run");
    const auto training_at = [&](int step) {
      return ncsn::read_checkpoint_meta(ncsn::test::str(run + QString("/checkpoint_%1.ncsn").arg(step))).training;
    };
    auto r = ncsn_cli({"train", "--dataset", "mnist", "--data", tiny_->data_dir, "--out", run, "--ngf", "4", "--batch", "8",
                       "--iters", "2", "--checkpoint-every", "2", "--eval-every", "0", "--on-nan", "rollback",
                       "--on-write-error", "continue", "--flip", "on", "--threads", "1", "-q"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = ncsn_cli({"train", "--out", run, "--iters", "4", "--threads", "1", "-q"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    auto training = training_at(4);
    QCOMPARE(training["on_non_finite"].get<std::string>(), std::string("rollback"));
    QCOMPARE(training["on_write_error"].get<std::string>(), std::string("continue"));
    QCOMPARE(training["random_flip"].get<bool>(), true);

    r = ncsn_cli({"train", "--out", run, "--iters", "6", "--on-nan", "stop", "--flip", "off", "--threads", "1", "-q"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    training = training_at(6);
    QCOMPARE(training["on_non_finite"].get<std::string>(), std::string("stop"));
    QCOMPARE(training["on_write_error"].get<std::string>(), std::string("continue"));
    QCOMPARE(training["random_flip"].get<bool>(), false);

    // A config file with a value of the wrong type: one line naming the file.
    const QString bad = dir_.filePath("bad-config.json");
    ncsn::test::write_bytes(ncsn::test::str(bad), R"({"training": {"batch_size": "many"}})");
    r = ncsn_cli({"train", "--config", bad, "--dataset", "mnist", "--data", tiny_->data_dir, "--out", dir_.filePath("bad-run")});
    QCOMPARE(r.code, 1);
    QVERIFY(ncsn::test::one_line_error(r));
    QVERIFY2(r.err.contains("bad-config.json has a value of the wrong type"), qPrintable(r.err));
  }

  void sampleWritesAGridWithItsSettings() {
    const QString out = dir_.filePath("grid.png"), strip = dir_.filePath("strip.png");
    auto r = ncsn_cli({"sample", "-c", tiny_->checkpoint(9), "-n", "6", "--columns", "3", "-T", "2", "--seed", "42", "--out", out,
                       "--filmstrip", strip, "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto text = ncsn::read_png_text(ncsn::test::str(out));
    QVERIFY(text.count("ncsn:settings"));
    const auto settings = QJsonDocument::fromJson(QByteArray::fromStdString(text.at("ncsn:settings"))).object();
    QCOMPARE(settings["seed"].toInt(), 42);
    QCOMPARE(settings["steps_per_level"].toInt(), 2);
    QVERIFY(QFile::exists(strip));
    // 2 rows of 12x12 tiles with 2px padding.
    QCOMPARE(QImage(out).size(), QSize(3 * 14 + 2, 2 * 14 + 2));

    // The annealing as a video: frames spread evenly over the run's steps, the last one included.
    const QString video = dir_.filePath("anneal.mp4");
    r = ncsn_cli({"sample", "-c", tiny_->checkpoint(9), "-n", "6", "--columns", "3", "-T", "2", "--out", out, "--video", video,
                  "--video-frames", "3", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto report = last_json_line(r.out);
    const int steps = report["steps"].toInt(), every = std::max(1, steps / 3);
    QCOMPARE(report["video_frames"].toInt(), steps / every + (steps % every ? 1 : 0));
    QVERIFY(QFileInfo(video).size() > 0);
  }

  void evalReportsQualityAndScoresARunFolder() {
    const QString classifier = dir_.filePath("stripes-classifier.pt");
    auto r = ncsn_cli({"eval", "--train-classifier", "--dataset", "mnist", "--data", tiny_->data_dir, "--classifier-iters", "30",
                       "--out", classifier, "--json", "--threads", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(last_json_line(r.out)["test_accuracy"].toDouble() >= 0.5);

    const QStringList common = {"--dataset", "mnist", "--data", tiny_->data_dir, "--classifier", classifier, "-n", "4",
                                "-T", "1", "--heldout-images", "8", "--threads", "1"};
    const QString grid = dir_.filePath("scored.png");
    r = ncsn_cli(QStringList{"eval", "-c", tiny_->checkpoint(9), "--json", "--grid", grid} + common);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto j = last_json_line(r.out);
    // --grid: the 4 scored samples, 2 x 2, with the report they scored in the PNG.
    QCOMPARE(QImage(grid).size(), QSize(2 * 14 + 2, 2 * 14 + 2));
    const auto report = nlohmann::json::parse(ncsn::read_png_text(ncsn::test::str(grid)).at("ncsn:settings"));
    QCOMPARE(report["fd_cls"].get<double>(), j["fd_cls"].toDouble());
    for (const char* key : {"fd_cls", "class_counts", "classes_covered", "class_total_variation", "nn_distance_mean",
                            "nn_distance_median", "nn_distance_min", "heldout_dsm_loss"})
      QVERIFY2(j.contains(key), key);
    QCOMPARE(j["step"].toInt(), 9);
    QVERIFY(j["fd_cls"].toDouble() >= 0);
    int counted = 0;
    for (const auto& c : j["class_counts"].toArray()) counted += c.toInt();
    QCOMPARE(counted, 4);

    // The yardstick: training images themselves score lower than the untrained model's samples.
    r = ncsn_cli(QStringList{"eval", "--data-baseline", "--json"} + common);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto data = last_json_line(r.out);
    QVERIFY(!data.contains("heldout_dsm_loss") && !data.contains("nn_distance_mean"));
    QVERIFY2(data["fd_cls"].toDouble() < j["fd_cls"].toDouble(), qPrintable(r.out));

    // Checkpoint selection: every checkpoint of the run scored, the lowest FD-cls marked best.
    r = ncsn_cli(QStringList{"eval", "--run-folder", tiny_->run_dir} + common);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto scores = ncsn::test::read_json_file(tiny_->run_dir + "/scores.json");
    const auto list = scores["checkpoints"].toArray();
    QCOMPARE(list.size(), 3);  // steps 3, 6, 9
    QCOMPARE(list.first().toObject()["step"].toInt(), 3);
    double best = 1e300;
    QString best_path;
    for (const auto& c : list)
      if (c.toObject()["fd_cls"].toDouble() < best) best = c.toObject()["fd_cls"].toDouble(), best_path = c.toObject()["checkpoint"].toString();
    QCOMPARE(scores["best"].toString(), best_path);
    QVERIFY(r.out.contains("best: " + best_path + ";"));

    // The same pass again samples nothing: every score comes from the record. Other settings
    // score afresh, and the first pass's scores stay in the file beside theirs.
    r = ncsn_cli(QStringList{"eval", "--run-folder", tiny_->run_dir} + common);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.count("(scored before, from the record)"), 3);
    QVERIFY(r.out.contains("best: " + best_path + ";"));
    r = ncsn_cli(QStringList{"eval", "--run-folder", tiny_->run_dir, "--seed", "5"} + common);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.count("(scored before"), 0);
    const auto both = nlohmann::json::parse(ncsn::test::read_bytes(ncsn::test::str(tiny_->run_dir + "/scores.json")));
    QCOMPARE(both["settings"]["seed"].get<int>(), 5);
    QCOMPARE(both["kept"].size(), size_t{3});

    r = ncsn_cli(QStringList{"eval", "--run-folder", tiny_->run_dir, "--grid", grid} + common);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("--grid shows the samples of one --checkpoint"), qPrintable(r.err));

    // MNIST has no shipped classifier: the message says how to make one.
    r = ncsn_cli({"eval", "-c", tiny_->checkpoint(9), "--dataset", "mnist", "--data", tiny_->data_dir, "-n", "4", "-T", "1"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("ncsn eval --train-classifier --dataset mnist"), qPrintable(r.err));
  }

  void exportWritesAModelToShip() {
    const QString full = dir_.filePath("export.ncsn"), half = dir_.filePath("export-fp16.ncsn");
    auto r = ncsn_cli({"export", tiny_->checkpoint(9), "--out", full, "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(last_json_line(r.out)["dtype"].toString(), QStringLiteral("float32"));
    r = ncsn_cli({"export", tiny_->checkpoint(9), "--out", half, "--fp16", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto j = last_json_line(r.out);
    QCOMPARE(j["dtype"].toString(), QStringLiteral("float16"));
    QCOMPARE(j["weights"].toString(), QString(ncsn::read_checkpoint_meta(ncsn::test::str(tiny_->checkpoint(9))).has_ema ? "ema" : "raw"));
    QCOMPARE(j["bytes"].toInteger(), QFileInfo(half).size());
    QVERIFY(QFileInfo(half).size() < QFileInfo(full).size());
    const auto meta = ncsn::read_checkpoint_meta(ncsn::test::str(half));
    QVERIFY(!meta.has_optimizer && !meta.has_ema);
    QCOMPARE(meta.step, int64_t{9});

    // The export samples like any model; training cannot resume from it.
    r = ncsn_cli({"sample", "-c", half, "-n", "2", "-T", "1", "--out", dir_.filePath("from-fp16.png"), "--threads", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QString resumed = dir_.filePath("resume-from-export");
    QVERIFY(QDir().mkpath(resumed));
    QVERIFY(QFile::copy(half, resumed + "/checkpoint_9.ncsn"));
    r = ncsn_cli({"train", "--dataset", "mnist", "--data", tiny_->data_dir, "--out", resumed, "--ngf", "4", "--iters", "10",
                  "--threads", "1"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("exported float16 model"), qPrintable(r.err));

    // A new run can start from it: its architecture (ngf 4, not the config file's 64), weights and step.
    const QString tuned = dir_.filePath("init-from-export"), config = dir_.filePath("ngf64.json");
    ncsn::test::write_bytes(ncsn::test::str(config), R"({"model": {"ngf": 64}})");
    const QStringList tuning = {"train", "--config", config, "--dataset", "mnist", "--data", tiny_->data_dir, "--out", tuned,
                                "--init", half, "--batch", "8", "--checkpoint-every", "1", "--eval-every", "0",
                                "--threads", "1", "--json"};
    r = ncsn_cli(tuning + QStringList{"--iters", "11"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("starting from") && r.out.contains("(step 9)"), qPrintable(r.out));
    QVERIFY(QFile::exists(tuned + "/checkpoint_10.ncsn") && !QFile::exists(tuned + "/checkpoint_1.ncsn"));
    QCOMPARE(ncsn::read_checkpoint_meta(ncsn::test::str(tuned + "/checkpoint_11.ncsn")).model.ngf, int64_t{4});
    // The same command again continues that run, with its checkpoints' architecture, rather than
    // starting over from the model.
    r = ncsn_cli(tuning + QStringList{"--iters", "12"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("resumed from") && !r.out.contains("starting from"), qPrintable(r.out));
    QCOMPARE(last_json_line(r.out)["step"].toInt(), 12);
    // The architecture is the model's: flags that would change it are refused.
    r = ncsn_cli(tuning + QStringList{"--iters", "13", "--ngf", "8"});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.contains("--init") && r.err.contains("--ngf"), qPrintable(r.err));
  }

  void inpaintKeepsTheKnownHalf() {
    auto image = torch::zeros({12, 12, 1}, torch::kUInt8);
    image.narrow(1, 0, 6).fill_(200);
    auto mask = torch::zeros({12, 12, 1}, torch::kUInt8);
    mask.narrow(1, 0, 6).fill_(255);
    const QString img = dir_.filePath("img.png"), msk = dir_.filePath("mask.png"), out = dir_.filePath("inpainted.png");
    ncsn::write_png(ncsn::test::str(img), image);
    ncsn::write_png(ncsn::test::str(msk), mask);
    auto r = ncsn_cli({"inpaint", "-c", tiny_->checkpoint(9), "--image", img, "--mask", msk, "-k", "2", "-T", "2", "--out", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QImage row(out);
    QCOMPARE(row.width(), 4 * 14 + 2);  // masked | 2 candidates | original
    // The known left half of each candidate equals the input exactly.
    for (int c = 1; c <= 2; ++c)
      for (int y = 0; y < 12; ++y)
        for (int x = 0; x < 6; ++x) QCOMPARE(qGray(row.pixel(2 + c * 14 + x, 2 + y)), 200);
  }

  void sampleWithoutACheckpointUsesTheShippedModel() {
    const QString shipped = QStringLiteral(NCSN_SOURCE_DIR "/resources/models/fashion-mnist-small.ncsn");
    if (!QFile::exists(shipped)) QSKIP("no model in resources/models yet");
    const QString out = dir_.filePath("default-model.png");
    auto r = ncsn_cli({"sample", "-n", "2", "-T", "1", "--out", out, "--threads", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto text = ncsn::read_png_text(ncsn::test::str(out));
    QVERIFY(QString::fromStdString(text.at("ncsn:settings")).contains("fashion-mnist-small.ncsn"));
  }

  void badInputGivesOneLineErrorsAndKeepsFiles() {
    const QString out = dir_.filePath("keep.png");
    ncsn::test::write_bytes(ncsn::test::str(out), "precious");
    const QString garbage = dir_.filePath("garbage.ncsn");
    ncsn::test::write_bytes(ncsn::test::str(garbage), "not a checkpoint at all");
    const QString big_mask = dir_.filePath("big-mask.png");
    ncsn::write_png(ncsn::test::str(big_mask), torch::zeros({20, 20, 1}, torch::kUInt8));
    const QList<QStringList> cases = {
        {"sample", "-c", dir_.filePath("missing.ncsn"), "--out", out},
        {"sample", "-c", garbage, "--out", out},
        {"sample", "-c", dir_.path(), "--out", out},
        {"sample", "-c", tiny_->checkpoint(9), "--device", "cuda", "--out", out},
        {"sample", "-c", tiny_->checkpoint(9), "-T", "1", "--out", out, "--video", dir_.filePath("anneal.gif")},
        {"sample", "-c", tiny_->checkpoint(9), "-T", "1", "--out", out, "--video", dir_.filePath("no/such/folder/anneal.mp4")},
        {"inpaint", "-c", tiny_->checkpoint(9), "--image", dir_.filePath("img.png"), "--mask", big_mask, "--out", out},
        {"train", "--dataset", "mnist", "--data", dir_.filePath("nowhere"), "--out", dir_.filePath("run2")},
        {"train", "--dataset", "cifar10", "--data", tiny_->data_dir, "--out", dir_.filePath("run3")},
        {"train", "--dataset", "nonsense"},
        {"train", "--dataset", "mnist", "--data", tiny_->data_dir, "--batch", "6", "--accumulate", "4", "--out", dir_.filePath("run4")},
        {"train", "--dataset", "mnist", "--data", tiny_->data_dir, "--amp", "fp16", "--device", "cpu", "--out", dir_.filePath("run5")},
    };
    for (const auto& args : cases) {
      auto r = ncsn_cli(args);
      QVERIFY2(r.code != 0, qPrintable(args.join(' ')));
      QVERIFY2(r.err.startsWith("ncsn: error: ") || r.err.contains("--"), qPrintable(r.err));
      QVERIFY2(r.err.trimmed().count('\n') == 0, qPrintable(r.err));
    }
    QCOMPARE(ncsn::test::read_bytes(ncsn::test::str(out)), std::string("precious"));
    QVERIFY(!QFile::exists(dir_.filePath("run2/config.json")));
  }

  // Output names and input sizes are checked before any sampling, and the message says what to fix.
  void outputNamesAndImageSizesAreRefusedBeforeTheWork() {
    const QString img12 = dir_.filePath("img12.png"), img20 = dir_.filePath("img20.png"), mask12 = dir_.filePath("mask12.png");
    ncsn::write_png(ncsn::test::str(img12), torch::full({12, 12, 1}, 90, torch::kUInt8));
    ncsn::write_png(ncsn::test::str(img20), torch::full({20, 20, 1}, 90, torch::kUInt8));
    ncsn::write_png(ncsn::test::str(mask12), torch::full({12, 12, 1}, 255, torch::kUInt8));
    const QString model = tiny_->checkpoint(9), jpg = dir_.filePath("grid.jpg");
    // -T 100000 would take minutes: a refusal that came after the work would time the test out.
    const QList<QStringList> wrong_names = {
        {"sample", "-c", model, "-T", "100000", "--out", jpg},
        {"sample", "-c", model, "-T", "100000", "--out", dir_.filePath("ok.png"), "--filmstrip", dir_.filePath("strip")},
        {"inpaint", "-c", model, "--image", img12, "--mask", mask12, "-T", "100000", "--out", jpg},
        {"denoise", "-c", model, "--image", img12, "--out", jpg},
        {"eval", "-c", model, "-n", "2", "-T", "100000", "--grid", jpg},
    };
    for (const auto& args : wrong_names) {
      auto r = ncsn_cli(args);
      QVERIFY2(r.code == 1, qPrintable(args.join(' ')));
      QVERIFY2(r.err.startsWith("ncsn: error: images are written as PNG") && r.err.contains("ending in .png"), qPrintable(r.err));
    }
    auto r = ncsn_cli({"sample", "-c", model, "-T", "100000", "--out", dir_.filePath("no/such/folder/grid.png")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("the folder " + dir_.filePath("no/such/folder") + " does not exist"), qPrintable(r.err));
    const QStringList image_commands[] = {{"inpaint", "--mask", mask12}, {"denoise"}};
    for (const auto& command : image_commands) {
      r = ncsn_cli(command + QStringList{"-c", model, "--image", img20, "--out", dir_.filePath("never.png")});
      QCOMPARE(r.code, 1);
      QVERIFY2(r.err.contains("img20.png is 20x20 pixels but the model works on 12x12 images"), qPrintable(r.err));
    }
    QVERIFY(!QFile::exists(jpg));
    QVERIFY(!QFile::exists(dir_.filePath("never.png")));
  }

  // Grey vs colour and a run folder vs another dataset: refused with a message naming both sides.
  void mismatchedChannelsAndDatasetsAreRefusedClearly() {
    torch::manual_seed(3);
    const QString colour_dir = dir_.filePath("colour");
    QVERIFY(QDir().mkpath(colour_dir));
    for (int i = 0; i < 4; ++i)
      ncsn::write_png(ncsn::test::str(colour_dir + QString("/%1.png").arg(i)), torch::randint(0, 256, {20, 20, 3}).to(torch::kUInt8));
    const QString colour12 = dir_.filePath("colour12.png"), mask = dir_.filePath("mask.png"), out = dir_.filePath("never.png");
    ncsn::write_png(ncsn::test::str(colour12), torch::randint(0, 256, {12, 12, 3}).to(torch::kUInt8));

    auto r = ncsn_cli({"inpaint", "-c", tiny_->checkpoint(9), "--image", colour12, "--mask", mask, "-T", "1", "--out", out});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("colour12.png is in colour but the model works on greyscale images"), qPrintable(r.err));

    // A colour run: resuming it needs no flags (dataset, folder and size come from its config).
    const QString colour_run = dir_.filePath("colour-run");
    const QStringList tiny = {"--ngf", "4", "--batch", "2", "--checkpoint-every", "2", "--eval-every", "0", "--threads", "1", "-q"};
    r = ncsn_cli(QStringList{"train", "--dataset", "folder", "--data", colour_dir, "--image-size", "16", "--out", colour_run,
                             "--iters", "2"} + tiny);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = ncsn_cli({"train", "--out", colour_run, "--iters", "4", "--threads", "1", "-q"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(colour_run + "/checkpoint_4.ncsn"));

    const QString colour_ckpt = colour_run + "/checkpoint_4.ncsn";
    ncsn::write_png(ncsn::test::str(dir_.filePath("grey16.png")), torch::full({16, 16, 1}, 90, torch::kUInt8));
    ncsn::write_png(ncsn::test::str(dir_.filePath("mask16.png")), torch::full({16, 16, 1}, 255, torch::kUInt8));
    r = ncsn_cli({"inpaint", "-c", colour_ckpt, "--image", dir_.filePath("grey16.png"), "--mask", dir_.filePath("mask16.png"),
                  "-T", "1", "--out", out});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("grey16.png is a greyscale image but the model works on colour (RGB) images"), qPrintable(r.err));

    // The grey MNIST-layout data into the colour run folder.
    r = ncsn_cli({"train", "--out", colour_run, "--dataset", "mnist", "--data", tiny_->data_dir, "--iters", "6", "-q"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("is for a 3x16x16, ngf 4") && r.err.contains("model, not 1x12x12") &&
                 r.err.contains("needs its own run folder"),
             qPrintable(r.err));
    QVERIFY(!QFile::exists(out));
    QVERIFY(!QFile::exists(colour_run + "/checkpoint_6.ncsn"));
  }
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"
