// Faults end to end through `ncsn`: a full disk while training or exporting (simulated with
// RLIMIT_FSIZE in the child, SIGXFSZ ignored, so writes fail with EFBIG like they would with
// ENOSPC), unwritable output paths, a model whose weights hold NaN, and a GPU running out of
// memory mid-job (simulated with NCSN_FAULTS).
#include <QtTest/QtTest>

#include <QDir>
#include <QTemporaryDir>

#include <optional>

#include "ncsn/checkpoint.hpp"
#include "ncsn/imageio/png_io.hpp"
#include "cli_run.hpp"
#include "test_support.hpp"

using ncsn::test::ncsn_cli;
using ncsn::test::one_line_error;

class TestCliFaults : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::optional<ncsn::test::TinyTrainingRun> tiny_;

  QStringList temp_files(const QString& dir) const { return QDir(dir).entryList({"*.tmp-*"}, QDir::Files); }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    tiny_.emplace(dir_.path());
    auto r = ncsn_cli(tiny_->train_args(2, 1, 0));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(tiny_->checkpoint(2)));
  }

  void trainOntoAFullDiskStopsWithOneLineAndKeepsCheckpoints() {
    const auto before1 = ncsn::test::read_bytes(ncsn::test::str(tiny_->checkpoint(1)));
    const auto before2 = ncsn::test::read_bytes(ncsn::test::str(tiny_->checkpoint(2)));
    QVERIFY(before2.size() > 16384);
    // Room for the small config.json, not for a checkpoint.
    auto r = ncsn_cli({"train", "--out", tiny_->run_dir, "--iters", "4", "--json", "--threads", "1"}, 16384);
    QVERIFY2(r.code == 1, qPrintable(QString::number(r.code) + r.err));
    QVERIFY2(one_line_error(r), qPrintable(r.err));
    QVERIFY2(r.err.contains("could not write " + tiny_->checkpoint(3)), qPrintable(r.err));
    QVERIFY2(r.err.contains("File too large") && r.err.contains("the previous file is intact"), qPrintable(r.err));
    QVERIFY(!QFile::exists(tiny_->checkpoint(3)));
    QCOMPARE(temp_files(tiny_->run_dir), QStringList());
    QCOMPARE(ncsn::test::read_bytes(ncsn::test::str(tiny_->checkpoint(1))), before1);
    QCOMPARE(ncsn::test::read_bytes(ncsn::test::str(tiny_->checkpoint(2))), before2);
    // The run config (rewritten with the new --iters before training) is whole.
    QVERIFY(!ncsn::test::read_json_file(tiny_->run_dir + "/config.json").isEmpty());
    QCOMPARE(ncsn::list_checkpoints(ncsn::test::str(tiny_->run_dir)).front(), ncsn::test::str(tiny_->checkpoint(2)));

    // Room again: the same command resumes from the intact step 2.
    auto again = ncsn_cli({"train", "--out", tiny_->run_dir, "--iters", "3", "--json", "--threads", "1"});
    QVERIFY2(again.code == 0, qPrintable(again.err));
    QVERIFY(again.out.contains("resumed from " + tiny_->checkpoint(2)));
    QCOMPARE(ncsn::read_checkpoint_meta(ncsn::test::str(tiny_->checkpoint(3))).step, int64_t{3});
  }

  void trainIntoAnUnwritableRunFolderFails() {
    const QString file = dir_.filePath("a-file");
    ncsn::test::write_bytes(ncsn::test::str(file), "x");
    auto r = ncsn_cli({"train", "--dataset", "mnist", "--data", tiny_->data_dir, "--out", file + "/run", "--ngf", "4", "--iters", "1",
                       "--threads", "1"});
    QVERIFY(r.code != 0);
    QVERIFY2(one_line_error(r), qPrintable(r.err));
  }

  void sampleExportOntoAFullDiskKeepsTheOldPng() {
    const QString out = dir_.filePath("grid.png");
    ncsn::write_png(ncsn::test::str(out), torch::full({40, 40, 1}, 7, torch::kUInt8));
    const auto before = ncsn::test::read_bytes(ncsn::test::str(out));
    // 64 samples of 12x12 make a grid PNG well over 1 KiB.
    auto r = ncsn_cli({"sample", "-c", tiny_->checkpoint(2), "-n", "64", "-T", "1", "--out", out, "--threads", "1"}, 1024);
    QVERIFY(r.code == 1);
    QVERIFY2(one_line_error(r), qPrintable(r.err));
    QVERIFY2(r.err.contains("could not write " + out) && r.err.contains("File too large"), qPrintable(r.err));
    QCOMPARE(ncsn::test::read_bytes(ncsn::test::str(out)), before);
    QCOMPARE(temp_files(dir_.path()), QStringList());
  }

  void sampleToAnUnwritablePlaceFails() {
    const QString file = dir_.filePath("not-a-folder");
    ncsn::test::write_bytes(ncsn::test::str(file), "x");
    const QString folder = dir_.filePath("a-folder.png");
    QVERIFY(QDir().mkpath(folder));
    const QStringList outs = {file + "/grid.png", dir_.filePath("missing-folder/grid.png"), folder};
    for (const auto& out : outs) {
      auto r = ncsn_cli({"sample", "-c", tiny_->checkpoint(2), "-n", "4", "-T", "1", "--out", out, "--threads", "1"});
      QVERIFY2(r.code == 1, qPrintable(out));
      QVERIFY2(one_line_error(r), qPrintable(r.err));
      QVERIFY2(r.err.contains("could not write " + out), qPrintable(r.err));
    }
    QVERIFY(QFileInfo(folder).isDir());
    QCOMPARE(temp_files(dir_.path()), QStringList());
    QCOMPARE(temp_files(folder), QStringList());
  }

  void damagedCheckpointsAreRefusedNotCrashedOn() {
    const std::string good = ncsn::test::read_bytes(ncsn::test::str(tiny_->checkpoint(2)));
    // One changed digit in the metadata (it used to load silently as another step), and a class
    // name in the pickle that LibTorch 1.13 cannot resolve (it used to end in std::terminate).
    std::string step = good, class_name = good;
    const size_t digit = step.find("\"step\":2");
    QVERIFY(digit != std::string::npos);
    step[digit + 7] = '3';
    const size_t at = class_name.find("\nModule\n");
    QVERIFY(at != std::string::npos);
    class_name[at + 6] = 'x';
    for (const auto& [name, bytes] : {std::pair{"step.ncsn", step}, std::pair{"class-name.ncsn", class_name}}) {
      const QString path = dir_.filePath(name), out = dir_.filePath("damaged.png");
      ncsn::test::write_bytes(ncsn::test::str(path), bytes);
      auto r = ncsn_cli({"sample", "-c", path, "-n", "4", "-T", "1", "--out", out, "--threads", "1"});
      QVERIFY2(r.code == 1, qPrintable(r.err));
      QVERIFY2(one_line_error(r) && r.err.contains("is damaged"), qPrintable(r.err));
      QVERIFY(!QFile::exists(out));
    }
  }

  void sampleFromNanWeightsReportsNonFiniteAndWritesNothing() {
    auto loaded = ncsn::load_model(ncsn::test::str(tiny_->checkpoint(2)), torch::kCPU, /*prefer_ema=*/false);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : loaded.model->parameters()) p.fill_(std::numeric_limits<float>::quiet_NaN());
    }
    const QString nan_ckpt = dir_.filePath("nan.ncsn");
    ncsn::save_checkpoint(ncsn::test::str(nan_ckpt), loaded.model, loaded.meta);
    const QString out = dir_.filePath("nan.png"), strip = dir_.filePath("nan-strip.png");
    auto r = ncsn_cli({"sample", "-c", nan_ckpt, "-n", "4", "-T", "2", "--out", out, "--filmstrip", strip, "--threads", "1"});
    QVERIFY(r.code == 1);
    QVERIFY2(one_line_error(r), qPrintable(r.err));
    QVERIFY2(r.err.contains("NaN or Inf"), qPrintable(r.err));
    QVERIFY(!QFile::exists(out));
    QVERIFY(!QFile::exists(strip));
    QCOMPARE(temp_files(dir_.path()), QStringList());
  }

  void outOfMemoryMidJobGivesOneLineAndKeepsEverything() {
    const QString out = dir_.filePath("oom.png");
    ncsn::test::write_bytes(ncsn::test::str(out), "precious");
    auto r = ncsn_cli({"sample", "-c", tiny_->checkpoint(2), "-n", "4", "-T", "2", "--out", out, "--threads", "1"}, 0,
                      "sampler.step:oom@5");
    QCOMPARE(r.code, 1);
    QVERIFY2(one_line_error(r) && r.err.contains("CUDA out of memory") && r.err.contains("lower the batch size"),
             qPrintable(r.err));
    QCOMPARE(ncsn::test::read_bytes(ncsn::test::str(out)), std::string("precious"));

    // Training: one more checkpoint, then the second iteration runs out of memory.
    const auto newest = ncsn::list_checkpoints(ncsn::test::str(tiny_->run_dir)).front();
    const int step = static_cast<int>(ncsn::read_checkpoint_meta(newest).step);
    const auto before = ncsn::test::read_bytes(newest);
    const QStringList train = {"train", "--out", tiny_->run_dir, "--iters", QString::number(step + 3), "--json", "--threads", "1"};
    r = ncsn_cli(train, 0, "trainer.step:oom@2");
    QCOMPARE(r.code, 1);
    QVERIFY2(one_line_error(r) && r.err.contains("CUDA out of memory"), qPrintable(r.err));
    QCOMPARE(ncsn::test::read_bytes(newest), before);
    QVERIFY(QFile::exists(tiny_->checkpoint(step + 1)));
    QVERIFY(!QFile::exists(tiny_->checkpoint(step + 2)));
    QCOMPARE(temp_files(tiny_->run_dir), QStringList());
    r = ncsn_cli(train);
    QVERIFY2(r.code == 0 && r.out.contains("resumed from " + tiny_->checkpoint(step + 1)), qPrintable(r.err));

    // The same from a batch's gather: the third batch's fails (on the training thread on the CPU,
    // on the prefetch thread with host images on CUDA; test_trainer covers that thread).
    const QStringList more = {"train", "--out", tiny_->run_dir, "--iters", QString::number(step + 6), "--json", "--threads", "1"};
    r = ncsn_cli(more, 0, "trainer.batch:oom@3");
    QCOMPARE(r.code, 1);
    QVERIFY2(one_line_error(r) && r.err.contains("CUDA out of memory"), qPrintable(r.err));
    QVERIFY(QFile::exists(tiny_->checkpoint(step + 5)));
    QVERIFY(!QFile::exists(tiny_->checkpoint(step + 6)));
    QCOMPARE(temp_files(tiny_->run_dir), QStringList());
    r = ncsn_cli(more);
    QVERIFY2(r.code == 0 && r.out.contains("resumed from " + tiny_->checkpoint(step + 5)), qPrintable(r.err));

    r = ncsn_cli({"sample", "-c", tiny_->checkpoint(2), "-n", "1", "-T", "1", "--out", out}, 0, "everything:broken");
    QCOMPARE(r.code, 1);
    QVERIFY2(one_line_error(r) && r.err.contains("NCSN_FAULTS must look like"), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestCliFaults)
#include "test_cli_faults.moc"
