// Faults end to end through `ncsn`: a full disk while training or exporting (simulated with
// RLIMIT_FSIZE in the child, SIGXFSZ ignored, so writes fail with EFBIG like they would with
// ENOSPC), unwritable output paths, a model whose weights hold NaN, and a GPU running out of
// memory mid-job (simulated with NCSN_FAULTS).
#include <QtTest/QtTest>

#include <QDir>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>

#include <csignal>
#include <sys/resource.h>

#include "ncsn/checkpoint.hpp"
#include "ncsn/imageio/png_io.hpp"
#include "test_support.hpp"

namespace {

struct Run {
  int code = -1;
  QString out, err;
};

// Runs ncsn; with `max_file_bytes` > 0 no file it writes may grow beyond that size; `faults` is
// an NCSN_FAULTS setting (see ncsn/fault_injection.hpp).
Run ncsn_cli(const QStringList& args, rlim_t max_file_bytes = 0, const QString& faults = {}) {
  QProcess p;
  if (!faults.isEmpty()) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("NCSN_FAULTS", faults);
    p.setProcessEnvironment(env);
  }
  if (max_file_bytes > 0) {
    p.setChildProcessModifier([max_file_bytes] {
      // Between fork and exec: only async-signal-safe calls. An ignored signal stays ignored across exec.
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{max_file_bytes, max_file_bytes};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    });
  }
  p.start(QStringLiteral(NCSN_CLI_PATH), args);
  if (!p.waitForFinished(300000)) p.kill();
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

bool one_line_error(const Run& r) { return r.err.startsWith("ncsn: error: ") && r.err.trimmed().count('\n') == 0; }

}  // namespace

class TestCliFaults : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString data_dir_, run_dir_;

  QString checkpoint(int step) const { return run_dir_ + "/checkpoint_" + QString::number(step) + ".ncsn"; }
  QStringList temp_files(const QString& dir) const { return QDir(dir).entryList({"*.tmp-*"}, QDir::Files); }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    data_dir_ = dir_.filePath("idx");
    run_dir_ = dir_.filePath("run");
    QVERIFY(QDir().mkpath(data_dir_));
    ncsn::test::write_idx_folder(ncsn::test::str(data_dir_), 32, 8);
    auto r = ncsn_cli({"train", "--dataset", "mnist", "--data", data_dir_, "--out", run_dir_, "--ngf", "4", "--batch", "8",
                       "--iters", "2", "--checkpoint-every", "1", "--eval-every", "0", "--json", "--threads", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(checkpoint(2)));
  }

  void trainOntoAFullDiskStopsWithOneLineAndKeepsCheckpoints() {
    const auto before1 = ncsn::test::read_bytes(ncsn::test::str(checkpoint(1)));
    const auto before2 = ncsn::test::read_bytes(ncsn::test::str(checkpoint(2)));
    QVERIFY(before2.size() > 16384);
    // Room for the small config.json, not for a checkpoint.
    auto r = ncsn_cli({"train", "--out", run_dir_, "--iters", "4", "--json", "--threads", "1"}, 16384);
    QVERIFY2(r.code == 1, qPrintable(QString::number(r.code) + r.err));
    QVERIFY2(one_line_error(r), qPrintable(r.err));
    QVERIFY2(r.err.contains("could not write " + checkpoint(3)), qPrintable(r.err));
    QVERIFY2(r.err.contains("File too large") && r.err.contains("the previous file is intact"), qPrintable(r.err));
    QVERIFY(!QFile::exists(checkpoint(3)));
    QCOMPARE(temp_files(run_dir_), QStringList());
    QCOMPARE(ncsn::test::read_bytes(ncsn::test::str(checkpoint(1))), before1);
    QCOMPARE(ncsn::test::read_bytes(ncsn::test::str(checkpoint(2))), before2);
    // The run config (rewritten with the new --iters before training) is whole.
    QVERIFY(!QJsonDocument::fromJson(QByteArray::fromStdString(ncsn::test::read_bytes(ncsn::test::str(run_dir_ + "/config.json")))).isNull());
    QCOMPARE(ncsn::list_checkpoints(ncsn::test::str(run_dir_)).front(), ncsn::test::str(checkpoint(2)));

    // Room again: the same command resumes from the intact step 2.
    auto again = ncsn_cli({"train", "--out", run_dir_, "--iters", "3", "--json", "--threads", "1"});
    QVERIFY2(again.code == 0, qPrintable(again.err));
    QVERIFY(again.out.contains("resumed from " + checkpoint(2)));
    QCOMPARE(ncsn::read_checkpoint_meta(ncsn::test::str(checkpoint(3))).step, int64_t{3});
  }

  void trainIntoAnUnwritableRunFolderFails() {
    const QString file = dir_.filePath("a-file");
    ncsn::test::write_bytes(ncsn::test::str(file), "x");
    auto r = ncsn_cli({"train", "--dataset", "mnist", "--data", data_dir_, "--out", file + "/run", "--ngf", "4", "--iters", "1",
                       "--threads", "1"});
    QVERIFY(r.code != 0);
    QVERIFY2(one_line_error(r), qPrintable(r.err));
  }

  void sampleExportOntoAFullDiskKeepsTheOldPng() {
    const QString out = dir_.filePath("grid.png");
    ncsn::write_png(ncsn::test::str(out), torch::full({40, 40, 1}, 7, torch::kUInt8));
    const auto before = ncsn::test::read_bytes(ncsn::test::str(out));
    // 64 samples of 12x12 make a grid PNG well over 1 KiB.
    auto r = ncsn_cli({"sample", "-c", checkpoint(2), "-n", "64", "-T", "1", "--out", out, "--threads", "1"}, 1024);
    QVERIFY(r.code == 1);
    QVERIFY2(one_line_error(r), qPrintable(r.err));
    QVERIFY2(r.err.contains("could not write " + out) && r.err.contains("File too large"), qPrintable(r.err));
    QCOMPARE(ncsn::test::read_bytes(ncsn::test::str(out)), before);
    QCOMPARE(temp_files(dir_.path()), QStringList());
  }

  void sampleToAnUnwritablePlaceFails() {
    const QString file = dir_.filePath("not-a-folder");
    ncsn::test::write_bytes(ncsn::test::str(file), "x");
    const QStringList outs = {file + "/grid.png", dir_.filePath("missing-folder/grid.png"), dir_.path()};
    for (const auto& out : outs) {
      auto r = ncsn_cli({"sample", "-c", checkpoint(2), "-n", "4", "-T", "1", "--out", out, "--threads", "1"});
      QVERIFY2(r.code == 1, qPrintable(out));
      QVERIFY2(one_line_error(r), qPrintable(r.err));
      QVERIFY2(r.err.contains("could not write " + out), qPrintable(r.err));
    }
    QVERIFY(QFileInfo(dir_.path()).isDir());
    QCOMPARE(temp_files(dir_.path()), QStringList());
  }

  void damagedCheckpointsAreRefusedNotCrashedOn() {
    const std::string good = ncsn::test::read_bytes(ncsn::test::str(checkpoint(2)));
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
    auto loaded = ncsn::load_model(ncsn::test::str(checkpoint(2)), torch::kCPU, /*prefer_ema=*/false);
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
    auto r = ncsn_cli({"sample", "-c", checkpoint(2), "-n", "4", "-T", "2", "--out", out, "--threads", "1"}, 0,
                      "sampler.step:oom@5");
    QCOMPARE(r.code, 1);
    QVERIFY2(one_line_error(r) && r.err.contains("CUDA out of memory") && r.err.contains("lower the batch size"),
             qPrintable(r.err));
    QCOMPARE(ncsn::test::read_bytes(ncsn::test::str(out)), std::string("precious"));

    // Training: one more checkpoint, then the second iteration runs out of memory.
    const auto newest = ncsn::list_checkpoints(ncsn::test::str(run_dir_)).front();
    const int step = static_cast<int>(ncsn::read_checkpoint_meta(newest).step);
    const auto before = ncsn::test::read_bytes(newest);
    const QStringList train = {"train", "--out", run_dir_, "--iters", QString::number(step + 3), "--json", "--threads", "1"};
    r = ncsn_cli(train, 0, "trainer.step:oom@2");
    QCOMPARE(r.code, 1);
    QVERIFY2(one_line_error(r) && r.err.contains("CUDA out of memory"), qPrintable(r.err));
    QCOMPARE(ncsn::test::read_bytes(newest), before);
    QVERIFY(QFile::exists(checkpoint(step + 1)));
    QVERIFY(!QFile::exists(checkpoint(step + 2)));
    QCOMPARE(temp_files(run_dir_), QStringList());
    r = ncsn_cli(train);
    QVERIFY2(r.code == 0 && r.out.contains("resumed from " + checkpoint(step + 1)), qPrintable(r.err));

    r = ncsn_cli({"sample", "-c", checkpoint(2), "-n", "1", "-T", "1", "--out", out}, 0, "everything:broken");
    QCOMPARE(r.code, 1);
    QVERIFY2(one_line_error(r) && r.err.contains("NCSN_FAULTS must look like"), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestCliFaults)
#include "test_cli_faults.moc"
