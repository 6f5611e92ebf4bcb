// Training in several processes (c10d, Gloo), end to end through `ncsn train`: two processes take
// the steps one process takes on the whole batch; a killed process stops the other with a clear
// message and the run resumes; processes that disagree are refused.
#include <sys/resource.h>

#include <csignal>

#include <QtTest/QtTest>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <optional>
#include <utility>

#include "ncsn/checkpoint.hpp"
#include "ncsn/data_parallel_group.hpp"
#include "cli_run.hpp"
#include "test_support.hpp"

namespace {

using ncsn::test::CliRun;

CliRun finish(QProcess& p) {
  if (!p.waitForFinished(120000)) p.kill();  // a hang fails the test instead of stalling it
  p.waitForFinished();
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

// The progress losses (step -> loss) that a --json run printed.
QMap<int, double> losses(const QString& out) {
  QMap<int, double> by_step;
  for (const auto& line : out.split('\n')) {
    const auto event = QJsonDocument::fromJson(line.toUtf8()).object();
    if (event["event"].toString() == "progress") by_step[event["step"].toInt()] = event["loss"].toDouble();
  }
  return by_step;
}

double relative_difference(const ncsn::NcsnScoreNet& a, const ncsn::NcsnScoreNet& b) {
  double worst = 0;
  const auto pa = a->parameters(), pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i)
    worst = std::max(worst, ((pa[i] - pb[i]).abs().max() / pb[i].abs().max().clamp_min(1e-12)).item<double>());
  return worst;
}

}  // namespace

class TestDataParallel : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::optional<ncsn::test::TinyTrainingRun> tiny_;
  int meetings_ = 0;

  QStringList train(const QString& run, int iters, int checkpoint_every, int eval_every) const {
    return {"train", "--dataset", "mnist", "--data", tiny_->data_dir, "--out", dir_.filePath(run), "--ngf", "4",
            "--batch", "8", "--iters", QString::number(iters), "--checkpoint-every", QString::number(checkpoint_every),
            "--eval-every", QString::number(eval_every), "--json", "--threads", "1"};
  }

  // Starts process `rank` of two; both meet at a file that is new for each run. With
  // `max_file_bytes`, no file it writes may grow beyond that (a full disk).
  void start(QProcess& p, const QStringList& args, int rank, rlim_t max_file_bytes = 0) const {
    if (max_file_bytes > 0) {
      p.setChildProcessModifier([max_file_bytes] {
        ::signal(SIGXFSZ, SIG_IGN);  // async-signal-safe calls only, between fork and exec
        const rlimit limit{max_file_bytes, max_file_bytes};
        ::setrlimit(RLIMIT_FSIZE, &limit);
      });
    }
    // A file rendezvous may join machines; here all run on this one (and need no resolvable host name).
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("GLOO_SOCKET_IFNAME", "lo");
    p.setProcessEnvironment(env);
    const QString meeting = "file:" + dir_.filePath(QString("meeting-%1").arg(meetings_));
    p.start(QStringLiteral(NCSN_CLI_PATH), args + QStringList{"--processes", "2", "--rank", QString::number(rank),
                                                              "--rendezvous", meeting});
  }

  // Starts both processes of a run at a new meeting point, process 1 first.
  void start_both(QProcess& first, QProcess& second, const QStringList& args0, const QStringList& args1,
                  rlim_t max_file_bytes0 = 0) {
    ++meetings_;
    start(second, args1, 1);
    start(first, args0, 0, max_file_bytes0);
  }

  std::pair<CliRun, CliRun> run_both(const QStringList& args0, const QStringList& args1) {
    QProcess first, second;
    start_both(first, second, args0, args1);
    auto r0 = finish(first);
    return {r0, finish(second)};
  }

  // What process `p` prints until `mark` appears (60 s at most).
  static QByteArray read_until(QProcess& p, const QByteArray& mark) {
    QByteArray out;
    if (!p.waitForStarted()) return out;
    QElapsedTimer clock;
    clock.start();
    while (!out.contains(mark) && p.state() == QProcess::Running && clock.elapsed() < 60000) {
      p.waitForReadyRead(50);
      out += p.readAllStandardOutput();
    }
    return out;
  }

 private slots:
  void initTestCase() {
    if (!ncsn::DataParallelGroup::available()) QSKIP("built without c10d's Gloo backend");
    QVERIFY(dir_.isValid());
    tiny_.emplace(dir_.path());
  }

  void twoProcessesTakeTheStepsOfOne() {
    const auto one = ncsn::test::ncsn_cli(train("one", 6, 3, 3));
    QVERIFY2(one.code == 0, qPrintable(one.err));
    const auto [lead, other] = run_both(train("two", 6, 3, 3), train("two", 6, 3, 3));
    QVERIFY2(lead.code == 0 && other.code == 0, qPrintable(lead.err + other.err));
    QVERIFY(lead.out.contains("in 2 processes"));
    QVERIFY2(other.out.isEmpty() && other.err.isEmpty(), qPrintable(other.out + other.err));  // process 0 speaks

    // The same losses and weights, to float rounding (the gradients are summed in another order).
    const auto expected = losses(one.out), got = losses(lead.out);
    QCOMPARE(got.keys(), expected.keys());
    for (int step : expected.keys()) QVERIFY(std::abs(got[step] - expected[step]) <= 1e-5 * std::abs(expected[step]));
    for (int step : {3, 6}) {
      const auto path = [&](const char* run) { return ncsn::test::str(dir_.filePath(QString("%1/checkpoint_%2.ncsn").arg(run).arg(step))); };
      const auto a = ncsn::load_model(path("two"), torch::kCPU, false), b = ncsn::load_model(path("one"), torch::kCPU, false);
      QVERIFY2(relative_difference(a.model, b.model) < 1e-4, qPrintable(QString::number(relative_difference(a.model, b.model))));
      QVERIFY(std::abs(a.meta.heldout_loss - b.meta.heldout_loss) <= 1e-5 * b.meta.heldout_loss);
    }
  }

  void aKilledProcessStopsTheOtherAndTheRunResumes() {
    QProcess first, second;
    start_both(first, second, train("killed", 1000000, 1, 0), train("killed", 1000000, 1, 0));
    const auto out = read_until(first, "\"event\":\"checkpoint\"");
    QVERIFY2(out.contains("\"event\":\"checkpoint\""), out.constData());
    second.kill();  // SIGKILL, mid-training
    second.waitForFinished();
    const auto lead = finish(first);
    QCOMPARE(lead.code, 1);
    QVERIFY2(ncsn::test::one_line_error(lead) && lead.err.contains("lost contact with the other training processes") &&
                 lead.err.contains("start every process again to resume"),
             qPrintable(lead.err));

    const auto listed = ncsn::list_checkpoints(ncsn::test::str(dir_.filePath("killed")));
    QVERIFY(!listed.empty());
    const auto newest = ncsn::load_model(listed.front(), torch::kCPU);
    const int target = static_cast<int>(newest.meta.step) + 2;
    const auto [again, other] = run_both(train("killed", target, 1, 0), train("killed", target, 1, 0));
    QVERIFY2(again.code == 0 && other.code == 0, qPrintable(again.err + other.err));
    QVERIFY2(again.out.contains(QString::fromStdString(", resumed from " + listed.front())), qPrintable(again.out));
    QCOMPARE(ncsn::read_checkpoint_meta(ncsn::checkpoint_path(ncsn::test::str(dir_.filePath("killed")), target)).step,
             int64_t{target});
  }

  // Ctrl-C (or SIGTERM) in any one process stops all of them after the same step, with a checkpoint.
  void stoppingOneProcessStopsAllAtTheSameStep() {
    QProcess first, second;
    start_both(first, second, train("stopped", 1000000, 1000000, 0), train("stopped", 1000000, 1000000, 0));
    const auto out = read_until(first, "\"step\":10,");
    QVERIFY2(out.contains("\"step\":10,"), out.constData());
    second.terminate();  // SIGTERM to process 1 only
    auto lead = finish(first);
    const auto other = finish(second);
    QCOMPARE(other.code, 130);  // as any interrupted command
    QVERIFY2(lead.code == 0 && other.err.isEmpty(), qPrintable(lead.err + other.err));
    const auto finished = QJsonDocument::fromJson(lead.out.trimmed().split('\n').last().toUtf8()).object();
    QCOMPARE(finished["event"].toString(), QStringLiteral("finished"));
    QVERIFY(!finished["completed"].toBool());
    const int step = finished["step"].toInt();
    QVERIFY(step >= 10);
    QCOMPARE(ncsn::list_checkpoints(ncsn::test::str(dir_.filePath("stopped"))),
             std::vector<std::string>{ncsn::checkpoint_path(ncsn::test::str(dir_.filePath("stopped")), step)});
  }

  // Process 0's disk is full: it stops with the reason, and the other learns of it and stops too.
  void aCheckpointProcess0CannotWriteStopsBoth() {
    QProcess first, second;
    start_both(first, second, train("full", 2, 1, 0), train("full", 2, 1, 0), 16384);
    const auto lead = finish(first), other = finish(second);
    QCOMPARE(lead.code, 1);
    QCOMPARE(other.code, 1);
    QVERIFY2(ncsn::test::one_line_error(lead) && lead.err.contains("checkpoint_1.ncsn"), qPrintable(lead.err));
    QVERIFY2(ncsn::test::one_line_error(other) && other.err.contains("process 0 could not write") &&
                 other.err.contains("checkpoint_1.ncsn"),
             qPrintable(other.err));
    QVERIFY(ncsn::list_checkpoints(ncsn::test::str(dir_.filePath("full"))).empty());
  }

  void processesThatDisagreeAreRefused() {
    auto wider = train("disagree", 2, 1, 0);
    wider[wider.indexOf("--ngf") + 1] = "8";
    const auto [lead, other] = run_both(train("disagree", 2, 1, 0), wider);
    for (const auto& r : {lead, other}) {
      QCOMPARE(r.code, 1);
      QVERIFY2(ncsn::test::one_line_error(r) && r.err.contains("were started with different settings"), qPrintable(r.err));
    }
    QVERIFY(ncsn::list_checkpoints(ncsn::test::str(dir_.filePath("disagree"))).empty());

    // Refused before waiting for anyone: a batch that does not divide, a rendezvous that is neither form.
    auto r = ncsn::test::ncsn_cli(train("uneven", 2, 1, 0) + QStringList{"--processes", "3", "--rank", "0"});
    QVERIFY2(ncsn::test::one_line_error(r) && r.err.contains("must divide among the 3 processes"), qPrintable(r.err));
    r = ncsn::test::ncsn_cli(train("nowhere", 2, 1, 0) + QStringList{"--processes", "2", "--rendezvous", "nowhere"});
    QVERIFY2(ncsn::test::one_line_error(r) && r.err.contains("neither host:port nor file:PATH"), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestDataParallel)
#include "test_data_parallel.moc"
